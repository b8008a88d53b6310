package dev.cnm.agent.proxy;

import io.micrometer.core.instrument.Counter;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;

/** A TCP listener that opens one connection to the target per accepted client and relays both ways. */
final class TcpPortProxy implements PortProxy {
  private final ProxySpec spec;
  private final Channel server;
  private final ChannelGroup connections;

  private TcpPortProxy(ProxySpec spec, Channel server, ChannelGroup connections) {
    this.spec = spec;
    this.server = server;
    this.connections = connections;
  }

  /** Binds the listener; a port already taken fails here, with the bind's exception. */
  static TcpPortProxy start(ProxySpec spec, EventLoopGroup group, int connectTimeoutMillis, Counter accepted,
                            Counter connectFailures) {
    ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    ServerBootstrap bootstrap = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.AUTO_READ, false)
        .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            accepted.increment();
            connections.add(ch);
            ch.pipeline().addLast(new Frontend(spec.target(), connectTimeoutMillis, connections, connectFailures));
          }
        });
    Channel server = ListenerBinding.await(bootstrap.bind(spec.listen()));
    return new TcpPortProxy(spec, server, connections);
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
    connections.close().awaitUninterruptibly();
  }

  /** Connects to the target when a client arrives, then hands both channels to {@link TcpRelay}. */
  private static final class Frontend extends ChannelInboundHandlerAdapter {
    private final InetSocketAddress target;
    private final int connectTimeoutMillis;
    private final ChannelGroup connections;
    private final Counter connectFailures;
    private Channel outbound;

    Frontend(InetSocketAddress target, int connectTimeoutMillis, ChannelGroup connections, Counter connectFailures) {
      this.target = target;
      this.connectTimeoutMillis = connectTimeoutMillis;
      this.connections = connections;
      this.connectFailures = connectFailures;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      Channel inbound = ctx.channel();
      ChannelFuture connect = new Bootstrap()
          .group(inbound.eventLoop())
          .channel(NioSocketChannel.class)
          .option(ChannelOption.AUTO_READ, false)
          .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
          .handler(new TcpRelay(inbound))
          .connect(target);
      outbound = connect.channel();
      connections.add(outbound);
      connect.addListener((ChannelFutureListener) f -> {
        if (f.isSuccess()) {
          inbound.pipeline().replace(this, "relay", new TcpRelay(outbound));
          inbound.read();
        } else {
          connectFailures.increment();
          inbound.close();
        }
      });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      // The client left before the target answered the connect.
      if (outbound != null) {
        outbound.close();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
