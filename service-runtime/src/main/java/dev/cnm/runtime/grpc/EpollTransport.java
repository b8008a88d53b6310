package dev.cnm.runtime.grpc;

import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;

/** Netty's epoll transport, the only one that speaks Unix domain sockets. */
final class EpollTransport {
  private EpollTransport() {
  }

  /** Fails with the reason when epoll cannot load (not Linux, or its native library is missing). */
  static void requireAvailable(ListenAddress address) {
    if (!Epoll.isAvailable()) {
      throw new IllegalStateException(address + ": Unix domain sockets need Netty's epoll transport, which is not available: "
          + Epoll.unavailabilityCause());
    }
  }

  static EventLoopGroup newGroup(String name, int threads) {
    return new EpollEventLoopGroup(threads, new DefaultThreadFactory(name, true));
  }

  /** One event loop for every client channel to a Unix socket, made on first use. */
  static EventLoopGroup clientGroup() {
    return ClientGroupHolder.GROUP;
  }

  private static final class ClientGroupHolder {
    static final EventLoopGroup GROUP = newGroup("cnm-uds-client", 1);
  }
}
