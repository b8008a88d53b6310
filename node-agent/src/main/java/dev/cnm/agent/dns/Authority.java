package dev.cnm.agent.dns;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.dns.DefaultDnsPtrRecord;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * The answers the resolver gives from its own records: A and AAAA for the names it holds (any
 * other type for such a name is an empty NOERROR answer: the name exists), PTR for the
 * addresses of its endpoints. Everything else is not ours to answer ({@code null}: forward it).
 */
final class Authority {
  private static final long TTL_SECONDS = ResolverRecords.TTL.toSeconds();
  /** Fixed part of a resource record after its name: type, class, TTL, RDLENGTH (RFC 1035 3.2.1). */
  private static final int RECORD_FIXED = 10;

  private Authority() {}

  /** Our answer to {@code q}, or null when the question is not about our records. */
  static DnsResponse answer(ResolverRecords records, ReceivedQuery q) {
    DnsQuestion question = q.question();
    if (question == null || question.dnsClass() != DnsRecord.CLASS_IN) {
      return null;
    }
    DnsRecordType type = question.type();
    if (type == DnsRecordType.PTR) {
      return pointers(records.pointers(question.name()), q, question);
    }
    if (!records.knows(question.name())) {
      return null;
    }
    DnsResponse r = q.response(DnsResponseCode.NOERROR);
    r.setAuthoritativeAnswer(true);
    if (type != DnsRecordType.A && type != DnsRecordType.AAAA) {
      return r;
    }
    Optional<List<InetAddress>> found = records.addresses(question.name(), type == DnsRecordType.AAAA);
    List<InetAddress> addresses = found.orElse(List.of());
    // netty writes names uncompressed: a record costs the full name, the fixed part and the address.
    int nameLength = wireLength(question.name());
    int size = DnsHeader.LENGTH + nameLength + 4;
    for (InetAddress a : addresses) {
      int recordSize = nameLength + RECORD_FIXED + a.getAddress().length;
      if (size + recordSize > q.answerLimit()) {
        r.setTruncated(true); // the client asks again over TCP and gets them all
        break;
      }
      size += recordSize;
      r.addRecord(DnsSection.ANSWER,
          new DefaultDnsRawRecord(question.name(), type, TTL_SECONDS, Unpooled.wrappedBuffer(a.getAddress())));
    }
    return r;
  }

  private static DnsResponse pointers(List<String> names, ReceivedQuery q, DnsQuestion question) {
    if (names.isEmpty()) {
      return null;
    }
    DnsResponse r = q.response(DnsResponseCode.NOERROR);
    r.setAuthoritativeAnswer(true);
    int nameLength = wireLength(question.name());
    int size = DnsHeader.LENGTH + nameLength + 4;
    for (String target : names) {
      int recordSize = nameLength + RECORD_FIXED + wireLength(target);
      if (size + recordSize > q.answerLimit()) {
        r.setTruncated(true);
        break;
      }
      size += recordSize;
      r.addRecord(DnsSection.ANSWER, new DefaultDnsPtrRecord(question.name(), DnsRecord.CLASS_IN, TTL_SECONDS, target));
    }
    return r;
  }

  /** Bytes of a name on the wire, uncompressed: a length byte per label plus the root's zero. */
  private static int wireLength(String name) {
    String n = DnsNames.normalize(name);
    return n.isEmpty() ? 1 : n.length() + 2;
  }
}
