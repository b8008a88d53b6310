package dev.cnm.agent.netlink.codec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A parsed run of netlink attributes (a message tail or a nested attribute's payload).
 * <pre>
 * struct rtattr {          // same layout as struct nlattr
 *   unsigned short rta_len;   // header + payload, unpadded
 *   unsigned short rta_type;  // type; the top two bits are NLA_F_NESTED / NLA_F_NET_BYTEORDER
 * };                          // payload follows, the next attribute starts at RTA_ALIGN(rta_len)
 * </pre>
 * The last attribute of a type wins, as in the kernel's nla_parse.
 */
public final class Attributes {
  public static final int HEADER_SIZE = 4;
  private final Map<Integer, ByteBuffer> byType;
  private final List<Integer> order;

  private Attributes(Map<Integer, ByteBuffer> byType, List<Integer> order) {
    this.byType = byType;
    this.order = order;
  }

  /** Parses from the buffer's position to its limit; truncated trailing bytes are ignored. */
  public static Attributes parse(ByteBuffer in) {
    ByteBuffer b = in.duplicate().order(ByteOrder.nativeOrder());
    Map<Integer, ByteBuffer> map = new HashMap<>();
    List<Integer> order = new ArrayList<>();
    while (b.remaining() >= HEADER_SIZE) {
      int start = b.position();
      int len = Short.toUnsignedInt(b.getShort(start));
      int type = Short.toUnsignedInt(b.getShort(start + 2)) & NetlinkH.NLA_TYPE_MASK;
      if (len < HEADER_SIZE || start + len > b.limit()) {
        break;
      }
      ByteBuffer payload = b.duplicate().position(start + HEADER_SIZE).limit(start + len).slice()
          .order(ByteOrder.nativeOrder());
      map.put(type, payload);
      order.add(type);
      b.position(Math.min(b.limit(), start + NetlinkH.align(len)));
    }
    return new Attributes(map, Collections.unmodifiableList(order));
  }

  public boolean has(int type) {
    return byType.containsKey(type);
  }

  /** The attribute types in the order they appeared. */
  public List<Integer> types() {
    return order;
  }

  /** A read-only view of the payload. */
  public Optional<ByteBuffer> payload(int type) {
    ByteBuffer p = byType.get(type);
    return p == null ? Optional.empty() : Optional.of(p.duplicate().order(ByteOrder.nativeOrder()));
  }

  public Optional<byte[]> bytes(int type) {
    return payload(type).map(p -> {
      byte[] out = new byte[p.remaining()];
      p.get(out);
      return out;
    });
  }

  /** A NUL-terminated string attribute (the NUL, if present, is dropped). */
  public Optional<String> string(int type) {
    return bytes(type).map(raw -> {
      int n = raw.length;
      while (n > 0 && raw[n - 1] == 0) {
        n--;
      }
      return new String(raw, 0, n, StandardCharsets.UTF_8);
    });
  }

  public OptionalInt u32(int type) {
    ByteBuffer p = byType.get(type);
    return p == null || p.remaining() < 4 ? OptionalInt.empty() : OptionalInt.of(p.getInt(0));
  }

  public OptionalInt u16(int type) {
    ByteBuffer p = byType.get(type);
    return p == null || p.remaining() < 2 ? OptionalInt.empty() : OptionalInt.of(Short.toUnsignedInt(p.getShort(0)));
  }

  /** A 16-bit value in network byte order (ports). */
  public OptionalInt u16be(int type) {
    ByteBuffer p = byType.get(type);
    return p == null || p.remaining() < 2 ? OptionalInt.empty()
        : OptionalInt.of(((p.get(0) & 0xff) << 8) | (p.get(1) & 0xff));
  }

  public OptionalInt u8(int type) {
    ByteBuffer p = byType.get(type);
    return p == null || p.remaining() < 1 ? OptionalInt.empty() : OptionalInt.of(Byte.toUnsignedInt(p.get(0)));
  }

  /** The attributes nested inside {@code type}, or an empty set. */
  public Attributes nested(int type) {
    ByteBuffer p = byType.get(type);
    return p == null ? parse(ByteBuffer.allocate(0)) : parse(p);
  }
}
