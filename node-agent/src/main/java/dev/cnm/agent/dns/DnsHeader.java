package dev.cnm.agent.dns;

import io.netty.buffer.ByteBuf;

/**
 * The few header fields the forwarder reads and writes on messages it passes through as bytes
 * (RFC 1035 4.1.1: ID in bytes 0-1, QR and TC in byte 2). Forwarded answers are relayed byte for
 * byte rather than decoded and re-encoded: their records may hold compressed names (MX, SOA,
 * SRV) that a re-encoding would break, and EDNS options must reach the client as the upstream
 * sent them.
 */
final class DnsHeader {
  static final int LENGTH = 12;
  private static final int QR = 0x80;
  private static final int TC = 0x02;

  private DnsHeader() {}

  static boolean complete(ByteBuf message) {
    return message.readableBytes() >= LENGTH;
  }

  static int id(ByteBuf message) {
    return message.getUnsignedShort(message.readerIndex());
  }

  static void setId(ByteBuf message, int id) {
    message.setShort(message.readerIndex(), id);
  }

  static boolean isResponse(ByteBuf message) {
    return (message.getUnsignedByte(message.readerIndex() + 2) & QR) != 0;
  }

  static boolean truncated(ByteBuf message) {
    return (message.getUnsignedByte(message.readerIndex() + 2) & TC) != 0;
  }

  /**
   * The offset (from the reader index) just past the first question, or -1 when the name does
   * not end inside the message or is compressed (a query's question is never compressed).
   */
  static int questionEnd(ByteBuf message) {
    int start = message.readerIndex();
    int i = LENGTH;
    int end = message.readableBytes();
    while (i < end) {
      int len = message.getUnsignedByte(start + i);
      if (len == 0) {
        return i + 1 + 4 <= end ? i + 1 + 4 : -1;
      }
      if ((len & 0xc0) != 0) {
        return -1;
      }
      i += 1 + len;
    }
    return -1;
  }

  /**
   * Does {@code response} repeat the question of {@code query} (ASCII case ignored: some
   * resolvers answer with the case they have cached)? {@code questionEnd} is the query's.
   */
  static boolean sameQuestion(ByteBuf query, ByteBuf response, int questionEnd) {
    if (questionEnd < 0 || response.readableBytes() < questionEnd) {
      return false;
    }
    for (int i = LENGTH; i < questionEnd; i++) {
      int a = query.getUnsignedByte(query.readerIndex() + i);
      int b = response.getUnsignedByte(response.readerIndex() + i);
      if (a != b && lower(a) != lower(b)) {
        return false;
      }
    }
    return true;
  }

  private static int lower(int c) {
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
  }
}
