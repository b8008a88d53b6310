package dev.cnm.runtime.grpc;

import dev.cnm.runtime.config.TlsFiles;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerBuilder;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Makes the transport-specific server builder for one listen address. */
final class ServerTransports {
  private ServerTransports() {
  }

  /** A builder bound to {@code address}; event loops it creates are added to {@code groups}. */
  static ServerBuilder<?> builderFor(ListenAddress address, TlsFiles tls, List<EventLoopGroup> groups)
      throws IOException {
    switch (address.kind()) {
      case IN_PROCESS:
        // only this process's own callers reach an in-process server (cnm up wires its store, IPAM
        // and controller so), and its handlers hand blocking work to their own threads: running
        // them on the caller's thread saves a thread hand-off on every call of an attach
        return InProcessServerBuilder.forName(address.inProcessName()).directExecutor();
      case UNIX: {
        EpollTransport.requireAvailable(address);
        prepareSocketPath(address.socketPath());
        EventLoopGroup boss = EpollTransport.newGroup("cnm-uds-boss", 1);
        EventLoopGroup worker = EpollTransport.newGroup("cnm-uds-worker", 0);
        groups.add(boss);
        groups.add(worker);
        return keepAlive(NettyServerBuilder.forAddress(new DomainSocketAddress(address.socketPath().toString()))
            .channelType(EpollServerDomainSocketChannel.class)
            .bossEventLoopGroup(boss)
            .workerEventLoopGroup(worker));
      }
      case TCP:
      default:
        return keepAlive(NettyServerBuilder.forAddress(address.inetSocketAddress(), credentials(tls)));
    }
  }

  /** Restricts a freshly bound Unix socket to its owner (root for {@code cnm up}). */
  static void restrictSocket(Path socket) throws IOException {
    Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
  }

  // Agents hold one long stream and clients ping every 30 s: allow it rather than GOAWAY them.
  // The server pings too: a peer cut off without a FIN (a host whose link went down) is found
  // within ~15 s, so its agent's session ends and its node lease can expire, instead of the
  // stream looking alive for as long as TCP keeps an idle connection.
  private static NettyServerBuilder keepAlive(NettyServerBuilder builder) {
    return builder.permitKeepAliveTime(10, TimeUnit.SECONDS).permitKeepAliveWithoutCalls(true)
        .keepAliveTime(10, TimeUnit.SECONDS).keepAliveTimeout(5, TimeUnit.SECONDS);
  }

  private static ServerCredentials credentials(TlsFiles tls) throws IOException {
    if (!tls.hasIdentity()) {
      if (tls.ca() != null) {
        throw new IllegalArgumentException("--tls-ca on a server needs --tls-cert and --tls-key");
      }
      return InsecureServerCredentials.create();
    }
    tls.requireReadable();
    TlsServerCredentials.Builder builder = TlsServerCredentials.newBuilder()
        .keyManager(tls.cert().toFile(), tls.key().toFile());
    if (tls.ca() != null) {
      builder.trustManager(tls.ca().toFile()).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
    }
    return builder.build();
  }

  /**
   * Creates the socket's directory (owner-only when we create it) and removes a stale socket
   * left by a crashed server, but refuses to steal a socket someone still answers on.
   */
  private static void prepareSocketPath(Path socket) throws IOException {
    Path dir = socket.toAbsolutePath().getParent();
    if (dir != null && !Files.isDirectory(dir)) {
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    }
    if (!Files.exists(socket)) {
      return;
    }
    try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      probe.connect(UnixDomainSocketAddress.of(socket));
      throw new IOException(socket + " is in use by another running server");
    } catch (IOException e) {
      if (e.getMessage() != null && e.getMessage().endsWith("in use by another running server")) {
        throw e;
      }
      Files.deleteIfExists(socket);
    }
  }
}
