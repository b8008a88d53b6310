package dev.cnm.agent.dns;

import dev.cnm.agent.netlink.NetlinkHandle;
import dev.cnm.agent.netns.NetNamespace;
import dev.cnm.agent.netns.Namespaces;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultChannelId;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.TcpDnsResponseEncoder;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The embedded DNS server of one sandbox, Docker's 127.0.0.11: UDP and TCP port 53 on that
 * address inside the sandbox's network namespace, served on the agent's event loops. It answers
 * the names of the sandbox's networks itself ({@link ResolverRecords}) and forwards the rest to
 * its {@link Upstreams}. Records and upstreams can be replaced at any time; {@link #close()}
 * closes the sockets.
 *
 * <p>The two listening sockets are created by a thread that joined the namespace and are bound
 * to it for good, so the event loops (in the agent's namespace) serve them from there; sockets
 * accepted on the TCP one are in the sandbox's namespace too. Forwarding sockets are created on
 * the event loops, so in the agent's namespace (see {@link Forwarder}).
 *
 * <pre>{@code
 * SandboxResolver r = SandboxResolver.start(sandboxNs, group, records, Upstreams.of(servers));
 * r.records(newRecords);   // on every change of the sandbox's networks' endpoints
 * r.close();               // sandbox deleted, or agent shutting down
 * }</pre>
 */
public final class SandboxResolver implements AutoCloseable {
  /** Docker's address for the embedded resolver, on the sandbox's loopback. */
  public static final InetAddress ADDRESS = loopback11();
  public static final int PORT = 53;
  /** Forwarded queries one sandbox may have out at once (Docker allows 100 as well). */
  static final int MAX_IN_FLIGHT = 100;
  /** TCP connections one sandbox may hold open at once; more are closed on accept. */
  static final int MAX_TCP_CONNECTIONS = 64;
  /** An idle TCP client is dropped after this (RFC 7766 suggests seconds, not minutes). */
  static final int TCP_IDLE_SECONDS = 10;
  /** The receive buffer for one UDP query: larger ones arrive cut, fail to decode and get FORMERR (EDNS queries fit easily). */
  private static final int MAX_UDP_QUERY = 4096;
  private static final int MAX_TCP_MESSAGE = 65535;

  static {
    // netty picks a machine id for channel ids on its first channel; made here in the agent's namespace
    // rather than in a sandbox's, where only lo exists and netty would warn that it found no MAC address.
    DefaultChannelId.newInstance();
  }

  private final String name;
  private final Channel udp;
  private final Channel tcp;
  private final Forwarder forwarder;
  private final MalformedCounter malformed;
  private volatile ResolverRecords records;
  private volatile Upstreams upstreams;

  private SandboxResolver(String name, Channel udp, Channel tcp, Forwarder forwarder, MalformedCounter malformed,
      ResolverRecords records, Upstreams upstreams) {
    this.name = name;
    this.udp = udp;
    this.tcp = tcp;
    this.forwarder = forwarder;
    this.malformed = malformed;
    this.records = records;
    this.upstreams = upstreams;
  }

  /** The listening sockets, made and bound inside the namespace. */
  private record Sockets(NioDatagramChannel udp, NioServerSocketChannel tcp) {}

  /**
   * Brings {@code lo} up in {@code namespace} (127.0.0.11 is on it), opens and binds UDP and TCP
   * sockets there, and hands them to {@code group}. Fails (nothing left open) when the port is
   * taken. The binds happen on the calling thread, so a taken port fails here; the event loops'
   * registration is not waited for (a Join does not wait on the loops, which may be busy
   * answering queries). Blocks for the namespace switch: call it from the agent's apply thread,
   * never from an event loop.
   */
  public static SandboxResolver start(NetNamespace namespace, EventLoopGroup group, ResolverRecords records,
      Upstreams upstreams) {
    Objects.requireNonNull(records, "records");
    Objects.requireNonNull(upstreams, "upstreams");
    InetSocketAddress listen = new InetSocketAddress(ADDRESS, PORT);
    Sockets sockets = Namespaces.runIn(namespace, () -> {
      try (NetlinkHandle here = NetlinkHandle.openCurrent()) {
        here.links().setUp("lo");
      }
      return bound(listen);
    });
    Forwarder forwarder = new Forwarder(MAX_IN_FLIGHT);
    MalformedCounter malformed = new MalformedCounter();
    SandboxResolver[] self = new SandboxResolver[1];
    QueryHandling handling = new QueryHandling(() -> self[0].records, () -> self[0].upstreams, forwarder);
    AtomicInteger connections = new AtomicInteger();
    self[0] = new SandboxResolver(namespace.name(), sockets.udp(), sockets.tcp(), forwarder, malformed, records,
        upstreams);
    try {
      registered(new Bootstrap()
          .group(group)
          .channelFactory(sockets::udp)
          .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_UDP_QUERY))
          .handler(new ChannelInitializer<NioDatagramChannel>() {
            @Override
            protected void initChannel(NioDatagramChannel ch) {
              ch.pipeline().addLast(new DatagramDnsResponseEncoder(), new UdpServer(handling, malformed));
            }
          })
          .register(), self[0]);
      registered(new ServerBootstrap()
          .group(group)
          .channelFactory(sockets::tcp)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              if (connections.incrementAndGet() > MAX_TCP_CONNECTIONS) {
                connections.decrementAndGet();
                ch.close();
                return;
              }
              ch.closeFuture().addListener(f -> connections.decrementAndGet());
              ch.pipeline().addLast(
                  new IdleStateHandler(0, 0, TCP_IDLE_SECONDS, TimeUnit.SECONDS),
                  new LengthFieldBasedFrameDecoder(MAX_TCP_MESSAGE, 0, 2, 0, 2),
                  new TcpDnsResponseEncoder(),
                  new TcpServer(handling, malformed));
            }
          })
          .register(), self[0]);
      return self[0];
    } catch (RuntimeException e) {
      closeQuietly(sockets.udp());
      closeQuietly(sockets.tcp());
      throw e;
    }
  }

  /** Opens both sockets and binds them, on the calling thread (which is in the sandbox's namespace). */
  private static Sockets bound(InetSocketAddress listen) {
    java.nio.channels.DatagramChannel udp = null;
    java.nio.channels.ServerSocketChannel tcp = null;
    try {
      udp = java.nio.channels.DatagramChannel.open(java.net.StandardProtocolFamily.INET);
      udp.bind(listen);
      tcp = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.INET);
      tcp.setOption(java.net.StandardSocketOptions.SO_REUSEADDR, true);
      tcp.bind(listen);
      return new Sockets(new NioDatagramChannel(udp), new NioServerSocketChannel(tcp));
    } catch (java.io.IOException | RuntimeException e) {
      for (java.io.Closeable c : new java.io.Closeable[] {udp, tcp}) {
        if (c != null) {
          try {
            c.close();
          } catch (java.io.IOException ignored) {
            // closing a socket that failed to bind: nothing else to release
          }
        }
      }
      throw new IllegalStateException("cannot serve DNS on " + ADDRESS.getHostAddress() + ":" + PORT + ": "
          + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }
  }

  /** Closes a listening socket that may or may not have been registered with an event loop yet. */
  private static void closeQuietly(Channel ch) {
    if (ch.isRegistered()) {
      ch.close().awaitUninterruptibly();
    } else {
      ch.unsafe().closeForcibly();
    }
  }

  /** A registration that fails later (an event loop shutting down) closes the resolver; it is not awaited. */
  private static void registered(io.netty.channel.ChannelFuture registration, SandboxResolver resolver) {
    if (registration.isDone() && !registration.isSuccess()) {
      throw new IllegalStateException("cannot serve DNS: " + registration.cause(), registration.cause());
    }
    registration.addListener(f -> {
      if (!f.isSuccess()) {
        resolver.closeAsync();
      }
    });
  }

  /** Replaces the names this resolver answers (a new view of the sandbox's networks). */
  public void records(ResolverRecords records) {
    this.records = Objects.requireNonNull(records, "records");
  }

  /** Replaces where other names are forwarded. */
  public void upstreams(Upstreams upstreams) {
    this.upstreams = Objects.requireNonNull(upstreams, "upstreams");
  }

  public ResolverRecords records() {
    return records;
  }

  public Upstreams upstreams() {
    return upstreams;
  }

  /** Packets dropped or answered FORMERR as malformed so far. */
  long malformedPackets() {
    return malformed.get();
  }

  /** Forwarded queries waiting for an upstream now. */
  int forwardsInFlight() {
    return forwarder.inFlight();
  }

  /** Closes both listening sockets (and with them the sandbox's hold on port 53) and waits for it; idempotent. */
  @Override
  public void close() {
    udp.close().awaitUninterruptibly();
    tcp.close().awaitUninterruptibly();
  }

  /**
   * Starts closing both sockets without waiting: the sandbox is going, and its namespace lives on
   * only until the event loop has closed them (moments later). Idempotent.
   */
  public void closeAsync() {
    udp.close();
    tcp.close();
  }

  @Override
  public String toString() {
    return "DNS resolver of " + name;
  }

  private static InetAddress loopback11() {
    try {
      return InetAddress.getByAddress(new byte[] {127, 0, 0, 11});
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
