package dev.cnm.agent.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.dns.DnsQuery;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.timeout.IdleStateEvent;
import java.net.InetSocketAddress;

/**
 * The TCP side, after the 2-byte length framing: one frame, one query; a connection may carry
 * several, answered as they complete (RFC 7766 allows out of order). Answers built here go
 * through netty's TcpDnsResponseEncoder; an upstream's answer is framed here and passes that
 * encoder untouched (it is no DnsResponse). A malformed frame closes the connection: on a
 * stream there is no telling where the next message starts.
 */
final class TcpServer extends SimpleChannelInboundHandler<ByteBuf> {
  private final QueryDecoder decoder = new QueryDecoder();
  private final QueryHandling handling;
  private final MalformedCounter malformed;

  TcpServer(QueryHandling handling, MalformedCounter malformed) {
    this.handling = handling;
    this.malformed = malformed;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
    Channel ch = ctx.channel();
    if (!DnsHeader.complete(frame) || DnsHeader.isResponse(frame)) {
      malformed.increment();
      ch.close();
      return;
    }
    DnsQuery query;
    try {
      query = decoder.decode(frame, (InetSocketAddress) ch.remoteAddress(), (InetSocketAddress) ch.localAddress());
    } catch (Exception e) {
      malformed.increment();
      ch.close();
      return;
    }
    ReceivedQuery q = new ReceivedQuery(query, frame.retain(), true,
        (InetSocketAddress) ch.remoteAddress(), (InetSocketAddress) ch.localAddress());
    handling.handle(q, ch.eventLoop(), new QueryHandling.Reply() {
      @Override
      public void send(DnsResponse response) {
        ch.writeAndFlush(response);
      }

      @Override
      public void relay(ByteBuf response) {
        ByteBuf length = Unpooled.buffer(2).writeShort(response.readableBytes());
        ch.writeAndFlush(Unpooled.wrappedBuffer(length, response));
      }
    });
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof IdleStateEvent) {
      ctx.close(); // an idle client must not hold a connection (and a file descriptor) for ever
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    malformed.increment(); // an oversized or cut frame, a reset: this connection is done
    ctx.close();
  }
}
