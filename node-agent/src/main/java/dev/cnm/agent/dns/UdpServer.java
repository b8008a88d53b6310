package dev.cnm.agent.dns;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DnsOpCode;
import io.netty.handler.codec.dns.DnsQuery;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import java.net.InetSocketAddress;

/**
 * The UDP side: one datagram, one query. Answers built here go through netty's
 * DatagramDnsResponseEncoder (the stage before this one); an upstream's answer is relayed as a
 * datagram below that encoder, cut to a header and question with TC set when it is larger than
 * the client accepts (the client then asks again over TCP).
 */
final class UdpServer extends SimpleChannelInboundHandler<DatagramPacket> {
  private final QueryDecoder decoder = new QueryDecoder();
  private final QueryHandling handling;
  private final MalformedCounter malformed;

  UdpServer(QueryHandling handling, MalformedCounter malformed) {
    this.handling = handling;
    this.malformed = malformed;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
    ByteBuf raw = packet.content();
    InetSocketAddress client = packet.sender();
    InetSocketAddress local = packet.recipient();
    if (!DnsHeader.complete(raw) || DnsHeader.isResponse(raw)) {
      malformed.increment(); // no header to answer, or a response: never answer those (no loops)
      return;
    }
    DnsQuery query;
    try {
      query = decoder.decode(raw, client, local);
    } catch (Exception e) {
      malformed.increment();
      ctx.writeAndFlush(new DatagramDnsResponse(local, client, DnsHeader.id(raw), DnsOpCode.QUERY, DnsResponseCode.FORMERR));
      return;
    }
    ReceivedQuery q = new ReceivedQuery(query, raw.retain(), false, client, local);
    ChannelHandlerContext below = ctx.pipeline().context(DatagramDnsResponseEncoder.class);
    handling.handle(q, ctx.channel().eventLoop(), new QueryHandling.Reply() {
      @Override
      public void send(DnsResponse response) {
        ctx.writeAndFlush(response);
      }

      @Override
      public void relay(ByteBuf response) {
        if (response.readableBytes() > q.answerLimit()) {
          response.release();
          DnsResponse cut = q.response(DnsResponseCode.NOERROR);
          cut.setTruncated(true);
          ctx.writeAndFlush(cut);
          return;
        }
        // Written from the encoder's own context, the datagram skips it (it would take it for a DnsResponse).
        below.writeAndFlush(new DatagramPacket(response, client, local));
      }
    });
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // A listening datagram socket has no peer to lose: keep serving.
  }
}
