package dev.cnm.agent.dns;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.dns.DnsOpCode;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import java.util.function.Supplier;

/**
 * What the resolver does with one decoded query, whatever the transport: answer it from the
 * records, or forward it, or fail it. Transports supply how an answer goes back.
 */
final class QueryHandling {
  /** How an answer goes back to the client of one query. */
  interface Reply {
    /** An answer built by the resolver (encoded by the transport's netty encoder). */
    void send(DnsResponse response);

    /** An upstream's answer as bytes, already carrying the client's ID (the callee owns it). */
    void relay(ByteBuf response);
  }

  private final Supplier<ResolverRecords> records;
  private final Supplier<Upstreams> upstreams;
  private final Forwarder forwarder;

  QueryHandling(Supplier<ResolverRecords> records, Supplier<Upstreams> upstreams, Forwarder forwarder) {
    this.records = records;
    this.upstreams = upstreams;
    this.forwarder = forwarder;
  }

  /** Handles {@code q} (releasing it) on {@code loop}; {@code reply} is called once, maybe later. */
  void handle(ReceivedQuery q, EventLoop loop, Reply reply) {
    try {
      if (q.query().opCode() != DnsOpCode.QUERY) {
        reply.send(q.response(DnsResponseCode.NOTIMP));
        return;
      }
      if (q.question() == null) {
        reply.send(q.response(DnsResponseCode.FORMERR));
        return;
      }
      DnsResponse own = Authority.answer(records.get(), q);
      if (own != null) {
        reply.send(own);
        return;
      }
      Upstreams to = upstreams.get();
      if (to.isEmpty()) {
        // Nobody to ask: a one-label name could only have been one of the networks' names.
        boolean ours = DnsNames.isSingleLabel(DnsNames.normalize(q.question().name()));
        reply.send(q.response(ours ? DnsResponseCode.NXDOMAIN : DnsResponseCode.SERVFAIL));
        return;
      }
      // The forwarder owns its copy of the bytes; the decoded query stays valid for the callback.
      q.query().retain();
      forwarder.forward(loop, to, q.raw().retainedDuplicate(), answer -> {
        try {
          if (answer == null) {
            reply.send(q.response(DnsResponseCode.SERVFAIL));
          } else {
            reply.relay(answer);
          }
        } finally {
          q.query().release();
        }
      });
    } finally {
      q.release();
    }
  }
}
