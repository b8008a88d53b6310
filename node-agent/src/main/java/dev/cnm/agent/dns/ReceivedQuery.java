package dev.cnm.agent.dns;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsResponse;
import io.netty.handler.codec.dns.DnsQuery;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;

/**
 * One query as it arrived: decoded by netty for the resolver's own decisions, and its bytes
 * kept for forwarding. Owns both (reference counted): {@link #release()} once answered.
 *
 * @param tcp true when it came over TCP (the answer goes back on the connection, unframed here)
 * @param client the client's address
 * @param local our address it was sent to
 */
record ReceivedQuery(DnsQuery query, ByteBuf raw, boolean tcp, InetSocketAddress client, InetSocketAddress local) {
  /** RFC 1035's limit for an answer over UDP to a client that did not send EDNS. */
  static final int CLASSIC_UDP_LIMIT = 512;
  /** The largest UDP payload we relay, whatever a client's EDNS record claims (RFC 6891's usual ceiling). */
  static final int MAX_UDP_LIMIT = 4096;

  /** The only question, or null when the query has none or several (FORMERR). */
  DnsQuestion question() {
    return query.count(DnsSection.QUESTION) == 1 ? query.recordAt(DnsSection.QUESTION) : null;
  }

  /** The largest answer the client takes: no limit over TCP; over UDP 512 or its EDNS size. */
  int answerLimit() {
    if (tcp) {
      return 65535;
    }
    int limit = CLASSIC_UDP_LIMIT;
    for (int i = 0; i < query.count(DnsSection.ADDITIONAL); i++) {
      DnsRecord r = query.recordAt(DnsSection.ADDITIONAL, i);
      if (r.type() == DnsRecordType.OPT) {
        limit = Math.max(limit, Math.min(r.dnsClass(), MAX_UDP_LIMIT));
      }
    }
    return limit;
  }

  /** An empty response to this query with {@code code}: same id and opcode, the question repeated. */
  DnsResponse response(DnsResponseCode code) {
    int id = query.id();
    DnsResponse r = tcp
        ? new DefaultDnsResponse(id, query.opCode(), code)
        : new DatagramDnsResponse(local, client, id, query.opCode(), code);
    r.setRecursionDesired(query.isRecursionDesired());
    r.setRecursionAvailable(true);
    DnsQuestion q = question();
    if (q != null) {
      r.addRecord(DnsSection.QUESTION, new DefaultDnsQuestion(q.name(), q.type(), q.dnsClass()));
    }
    return r;
  }

  void release() {
    ReferenceCountUtil.release(query);
    ReferenceCountUtil.release(raw);
  }
}
