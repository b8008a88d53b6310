package dev.cnm.agent.localapi;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP/1.1 on a Unix domain socket of this node, mode 0600 (the callers, container runtimes and
 * the Docker engine, run as root). A request is dispatched by method and exact path to the
 * handler registered for it; each connection is served on a thread of its own, since a handler
 * may wait seconds for the controller (a Join waits for this node's agent to apply it).
 */
public final class LocalApiServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalApiServer.class);
  private final Path path;
  private final ServerSocketChannel channel;
  private final Map<String, LocalApiHandler> routes;
  private final ExecutorService connections;
  private final Thread acceptor;

  private LocalApiServer(Path path, ServerSocketChannel channel, Map<String, LocalApiHandler> routes) {
    this.path = path;
    this.channel = channel;
    this.routes = Map.copyOf(routes);
    AtomicInteger n = new AtomicInteger();
    this.connections = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "cnm-localapi-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.acceptor = new Thread(this::acceptLoop, "cnm-localapi-accept");
    acceptor.setDaemon(true);
  }

  /** Routes to register, then {@link #start}. */
  public static Builder builder() {
    return new Builder();
  }

  /** The routes of a server not yet started. */
  public static final class Builder {
    private final Map<String, LocalApiHandler> routes = new LinkedHashMap<>();

    private Builder() {}

    /** Serves {@code method path} (exact match) with {@code handler}; a second handler for it is refused. */
    public Builder route(String method, String path, LocalApiHandler handler) {
      if (routes.putIfAbsent(method + " " + path, handler) != null) {
        throw new IllegalArgumentException("a handler for " + method + " " + path + " is already registered");
      }
      return this;
    }

    /**
     * Binds {@code socket} and starts serving. The parent directory is made if missing. A socket
     * file left by a process that is gone is replaced; one that a live server answers on is
     * refused (IllegalStateException), so two agents never share a socket.
     */
    public LocalApiServer start(Path socket) {
      try {
        Files.createDirectories(socket.toAbsolutePath().getParent());
        if (Files.exists(socket)) {
          if (answers(socket)) {
            throw new IllegalStateException(socket + " is in use by another server");
          }
          Files.delete(socket);
        }
        ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
          channel.bind(UnixDomainSocketAddress.of(socket));
          Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException | RuntimeException e) {
          channel.close();
          throw e;
        }
        LocalApiServer server = new LocalApiServer(socket, channel, routes);
        server.acceptor.start();
        return server;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot serve the local API on " + socket, e);
      }
    }

    private static boolean answers(Path socket) {
      try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
        return probe.isConnected();
      } catch (IOException e) {
        return false;
      }
    }
  }

  public Path path() {
    return path;
  }

  private void acceptLoop() {
    while (channel.isOpen()) {
      try {
        SocketChannel connection = channel.accept();
        connections.execute(() -> serve(connection));
      } catch (AsynchronousCloseException e) {
        return;
      } catch (IOException | RuntimeException e) {
        if (channel.isOpen()) {
          LOG.warn("local API on " + path + ": accept failed: " + e.getMessage());
          try {
            Thread.sleep(100); // e.g. out of file descriptors: do not spin
          } catch (InterruptedException interrupted) {
            return;
          }
        }
      }
    }
  }

  private void serve(SocketChannel connection) {
    try (connection) {
      InputStream in = new BufferedInputStream(Channels.newInputStream(connection));
      OutputStream out = Channels.newOutputStream(connection);
      HttpResponse response;
      try {
        response = dispatch(HttpCodec.read(in, out));
      } catch (HttpCodec.BadRequest e) {
        response = HttpResponse.text(e.status, e.getMessage());
      }
      HttpCodec.write(out, response);
    } catch (IOException e) {
      LOG.debug("local API on " + path + ": connection ended: " + e.getMessage());
    }
  }

  private HttpResponse dispatch(HttpRequest request) {
    LocalApiHandler handler = routes.get(request.method() + " " + request.path());
    if (handler == null) {
      boolean otherMethod = routes.keySet().stream().anyMatch(k -> k.endsWith(" " + request.path()));
      return HttpResponse.text(otherMethod ? 405 : 404, request.method() + " " + request.path() + " is not served here");
    }
    try {
      return handler.handle(request);
    } catch (RuntimeException e) {
      LOG.warn("local API " + request.method() + " " + request.path() + " failed", e);
      return HttpResponse.text(500, e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  /** Stops accepting, removes the socket file; requests being served finish on their threads. */
  @Override
  public void close() {
    try {
      channel.close();
      Files.deleteIfExists(path);
    } catch (IOException e) {
      LOG.warn("closing the local API on " + path + ": " + e.getMessage());
    }
    connections.shutdown();
  }
}
