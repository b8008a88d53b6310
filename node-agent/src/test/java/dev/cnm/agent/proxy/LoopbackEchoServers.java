package dev.cnm.agent.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/** Echo servers on 127.0.0.1 for proxy tests; closed (threads end) by {@link #close()}. */
final class LoopbackEchoServers implements AutoCloseable {
  private final List<AutoCloseable> sockets = new ArrayList<>();

  /** A TCP server that echoes every byte back until the client half-closes, then closes. */
  int tcp() throws IOException {
    ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
    sockets.add(server);
    Thread t = new Thread(() -> {
      while (!server.isClosed()) {
        try {
          Socket s = server.accept();
          sockets.add(s);
          Thread c = new Thread(() -> echo(s), "echo-conn");
          c.setDaemon(true);
          c.start();
        } catch (IOException e) {
          return;
        }
      }
    }, "echo-tcp");
    t.setDaemon(true);
    t.start();
    return server.getLocalPort();
  }

  /** A UDP server that sends every datagram back, prefixed with "echo:". */
  int udp() throws IOException {
    DatagramSocket socket = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"));
    sockets.add(socket);
    Thread t = new Thread(() -> {
      byte[] buf = new byte[65535];
      while (!socket.isClosed()) {
        try {
          DatagramPacket p = new DatagramPacket(buf, buf.length);
          socket.receive(p);
          byte[] reply = ("echo:" + new String(p.getData(), 0, p.getLength())).getBytes();
          socket.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
        } catch (IOException e) {
          return;
        }
      }
    }, "echo-udp");
    t.setDaemon(true);
    t.start();
    return socket.getLocalPort();
  }

  /** A port on 127.0.0.1 that nothing listens on right now. */
  static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void echo(Socket s) {
    try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
      in.transferTo(out);
    } catch (IOException e) {
      // the client went away
    }
  }

  @Override
  public void close() throws Exception {
    for (AutoCloseable c : sockets) {
      c.close();
    }
  }
}
