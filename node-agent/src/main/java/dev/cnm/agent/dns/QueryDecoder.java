package dev.cnm.agent.dns;

import io.netty.buffer.ByteBuf;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DnsQuery;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * netty's DNS query decoder, called directly rather than as a pipeline stage, for the two
 * transports: the resolver needs the decoded query and the bytes it came from (to forward them
 * unchanged), and netty's TCP decoder would hide the bytes behind its framing.
 */
final class QueryDecoder extends DatagramDnsQueryDecoder {
  /**
   * Decodes {@code message} (not consumed; the result holds retained slices of it for records
   * it keeps, so release the query when done). Throws on a malformed message.
   */
  DnsQuery decode(ByteBuf message, InetSocketAddress client, InetSocketAddress local) throws Exception {
    List<Object> out = new ArrayList<>(1);
    decode(null, new DatagramPacket(message.duplicate(), local, client), out);
    return (DnsQuery) out.get(0);
  }
}
