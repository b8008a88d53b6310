package dev.cnm.agent.netlink.codec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Builds one netlink request: the header, a fixed struct, then attributes, nested where
 * needed. Lengths and padding follow NLMSG_ALIGN / RTA_ALIGN; the header's length and
 * sequence number are filled in by {@link #finish(int)}.
 */
public final class MessageWriter {
  private ByteBuffer buf = ByteBuffer.allocate(256).order(ByteOrder.nativeOrder());
  private final int type;
  private final int flags;

  public MessageWriter(int type, int flags) {
    this.type = type;
    this.flags = flags;
    buf.position(NlMsgHdr.SIZE);
  }

  public int type() {
    return type;
  }

  public int flags() {
    return flags;
  }

  private void ensure(int more) {
    if (buf.remaining() < more + 4) {
      ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + more + 64))
          .order(ByteOrder.nativeOrder());
      buf.flip();
      bigger.put(buf);
      buf = bigger;
    }
  }

  private void pad() {
    while ((buf.position() & 3) != 0) {
      buf.put((byte) 0);
    }
  }

  public MessageWriter ifInfoMsg(IfInfoMsg m) {
    ensure(IfInfoMsg.SIZE);
    m.encode(buf);
    return this;
  }

  public MessageWriter ifAddrMsg(IfAddrMsg m) {
    ensure(IfAddrMsg.SIZE);
    m.encode(buf);
    return this;
  }

  public MessageWriter rtMsg(RtMsg m) {
    ensure(RtMsg.SIZE);
    m.encode(buf);
    return this;
  }

  public MessageWriter ndMsg(NdMsg m) {
    ensure(NdMsg.SIZE);
    m.encode(buf);
    return this;
  }

  /** An attribute with a raw payload. */
  public MessageWriter attr(int attrType, byte[] payload) {
    ensure(Attributes.HEADER_SIZE + payload.length + 3);
    buf.putShort((short) (Attributes.HEADER_SIZE + payload.length)).putShort((short) attrType).put(payload);
    pad();
    return this;
  }

  /** A string attribute, NUL-terminated as the kernel's NLA_STRING/NLA_NUL_STRING expect. */
  public MessageWriter attrString(int attrType, String value) {
    byte[] s = value.getBytes(StandardCharsets.UTF_8);
    byte[] z = new byte[s.length + 1];
    System.arraycopy(s, 0, z, 0, s.length);
    return attr(attrType, z);
  }

  public MessageWriter attrU32(int attrType, int value) {
    ensure(8);
    buf.putShort((short) 8).putShort((short) attrType).putInt(value);
    return this;
  }

  public MessageWriter attrU16(int attrType, int value) {
    ensure(8);
    buf.putShort((short) 6).putShort((short) attrType).putShort((short) value);
    pad();
    return this;
  }

  /** A 16-bit value in network byte order (e.g. IFLA_VXLAN_PORT, a __be16). */
  public MessageWriter attrU16be(int attrType, int value) {
    return attr(attrType, new byte[] {(byte) (value >>> 8), (byte) value});
  }

  public MessageWriter attrU8(int attrType, int value) {
    return attr(attrType, new byte[] {(byte) value});
  }

  /** Opens a nested attribute; close it with {@link #endNested(int)} passing the returned mark. */
  public int beginNested(int attrType) {
    ensure(Attributes.HEADER_SIZE);
    int mark = buf.position();
    buf.putShort((short) 0).putShort((short) attrType);
    return mark;
  }

  public MessageWriter endNested(int mark) {
    buf.putShort(mark, (short) (buf.position() - mark));
    return this;
  }

  /** Writes the header and returns the finished message, ready to send (position 0). */
  public ByteBuffer finish(int seq) {
    int len = buf.position();
    ByteBuffer out = buf.duplicate().order(ByteOrder.nativeOrder());
    out.position(0);
    new NlMsgHdr(len, type, flags, seq, 0).encode(out);
    out.position(0).limit(len);
    return out;
  }
}
