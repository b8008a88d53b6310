package dev.cnm.agent.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;

/**
 * Copies bytes from its channel to {@code peer}, reading the next chunk only once the last
 * one was written (so a slow side slows the other instead of filling memory). A half-close is
 * passed on, as docker-proxy does, so request/response clients that shut their write side
 * still get their answer; the pair is closed once both directions are done.
 */
final class TcpRelay extends ChannelInboundHandlerAdapter {
  private final Channel peer;

  TcpRelay(Channel peer) {
    this.peer = peer;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    ctx.read();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    peer.writeAndFlush(msg).addListener((ChannelFutureListener) f -> {
      if (f.isSuccess()) {
        ctx.channel().read();
      } else {
        closeOnFlush(peer);
        ctx.channel().close();
      }
    });
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent) {
      // Every chunk read before the EOF has been written already (see channelRead), so no data is lost here.
      SocketChannel self = (SocketChannel) ctx.channel();
      ((SocketChannel) peer).shutdownOutput().addListener((ChannelFutureListener) f -> {
        if (!f.isSuccess() || self.isOutputShutdown()) {
          self.close();
          peer.close();
        }
      });
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closeOnFlush(peer);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    closeOnFlush(ctx.channel());
  }

  static void closeOnFlush(Channel channel) {
    if (channel.isActive()) {
      channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }
}
