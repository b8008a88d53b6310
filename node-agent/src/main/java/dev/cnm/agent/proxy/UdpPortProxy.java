package dev.cnm.agent.proxy;

import io.micrometer.core.instrument.Counter;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A UDP listener in the manner of docker-proxy: each client address gets its own socket
 * connected to the target, so the target's replies can be told apart and sent back to the
 * right client from the listening address. A flow with no traffic for the idle timeout is closed.
 */
final class UdpPortProxy implements PortProxy {
  /** The largest UDP payload over IPv4; a smaller buffer would truncate datagrams. */
  private static final int MAX_DATAGRAM = 65507;

  private final ProxySpec spec;
  private final Duration idleTimeout;
  private final Counter flowsOpened;
  private volatile Channel server;
  /** Only touched on the server channel's event loop (flows are registered on the same loop). */
  private final Map<InetSocketAddress, ChannelFuture> flows = new HashMap<>();

  private UdpPortProxy(ProxySpec spec, Duration idleTimeout, Counter flowsOpened) {
    this.spec = spec;
    this.idleTimeout = idleTimeout;
    this.flowsOpened = flowsOpened;
  }

  /** Binds the listener; a port already taken fails here, with the bind's exception. */
  static UdpPortProxy start(ProxySpec spec, EventLoopGroup group, Duration idleTimeout, Counter flowsOpened) {
    UdpPortProxy proxy = new UdpPortProxy(spec, idleTimeout, flowsOpened);
    proxy.server = ListenerBinding.await(new Bootstrap()
        .group(group)
        .channel(NioDatagramChannel.class)
        .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM))
        .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
          @Override
          protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            proxy.forward(ctx.channel(), packet);
          }
        })
        .bind(spec.listen()));
    return proxy;
  }

  private void forward(Channel listener, DatagramPacket packet) {
    InetSocketAddress client = packet.sender();
    ChannelFuture flow = flows.get(client);
    if (flow == null) {
      flowsOpened.increment();
      flow = new Bootstrap()
          .group(listener.eventLoop())
          .channel(NioDatagramChannel.class)
          .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM))
          .handler(new ChannelInitializer<DatagramChannel>() {
            @Override
            protected void initChannel(DatagramChannel ch) {
              ch.pipeline().addLast(new IdleStateHandler(0, 0, idleTimeout.toMillis(), TimeUnit.MILLISECONDS),
                  new Backend(listener, client));
            }
          })
          .connect(spec.target());
      flows.put(client, flow);
      flow.channel().closeFuture().addListener(f -> flows.remove(client));
    }
    Object payload = packet.content().retain();
    flow.addListener((ChannelFutureListener) f -> {
      if (f.isSuccess()) {
        f.channel().writeAndFlush(payload);
      } else {
        io.netty.util.ReferenceCountUtil.release(payload);
      }
    });
  }

  @Override
  public ProxySpec spec() {
    return spec;
  }

  @Override
  public InetSocketAddress localAddress() {
    return (InetSocketAddress) server.localAddress();
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
    // flows is owned by the event loop: close the flows there.
    server.eventLoop().submit(() -> Map.copyOf(flows).values().forEach(f -> f.channel().close()))
        .awaitUninterruptibly();
  }

  /** Sends the target's replies back to the client, from the listening socket. */
  private static final class Backend extends SimpleChannelInboundHandler<DatagramPacket> {
    private final Channel listener;
    private final InetSocketAddress client;

    Backend(Channel listener, InetSocketAddress client) {
      this.listener = listener;
      this.client = client;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket reply) {
      listener.writeAndFlush(new DatagramPacket(reply.content().retain(), client));
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof IdleStateEvent) {
        ctx.close();
      } else {
        ctx.fireUserEventTriggered(evt);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // e.g. ICMP port unreachable from the target: drop the flow, the next datagram opens a new one.
      ctx.close();
    }
  }
}
