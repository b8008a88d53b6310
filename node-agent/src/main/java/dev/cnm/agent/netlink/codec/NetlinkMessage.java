package dev.cnm.agent.netlink.codec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * One received netlink message: its header and its body (everything after the header, up to
 * nlmsg_len). The body is a read-only view in native byte order.
 */
public record NetlinkMessage(NlMsgHdr header, ByteBuffer body) {
  /** A fresh view of the body, positioned at its start. */
  public ByteBuffer bodyView() {
    return body.duplicate().order(ByteOrder.nativeOrder());
  }

  /** The attributes that follow a fixed struct of {@code structSize} bytes. */
  public Attributes attributesAfter(int structSize) {
    ByteBuffer b = bodyView();
    b.position(Math.min(b.limit(), NetlinkH.align(structSize)));
    return Attributes.parse(b);
  }

  /**
   * Splits a datagram (position to limit) into messages; the body views copy nothing, so use
   * them before the buffer is reused.
   */
  public static List<NetlinkMessage> split(ByteBuffer datagram) {
    ByteBuffer b = datagram.duplicate().order(ByteOrder.nativeOrder());
    List<NetlinkMessage> out = new ArrayList<>();
    while (b.remaining() >= NlMsgHdr.SIZE) {
      int start = b.position();
      NlMsgHdr h = NlMsgHdr.decode(b);
      if (h.length() < NlMsgHdr.SIZE || start + h.length() > b.limit()) {
        throw new IllegalStateException("truncated netlink message: length " + h.length()
            + " at offset " + start + " of " + b.limit());
      }
      ByteBuffer body = b.duplicate().position(start + NlMsgHdr.SIZE).limit(start + h.length()).slice()
          .order(ByteOrder.nativeOrder()).asReadOnlyBuffer().order(ByteOrder.nativeOrder());
      out.add(new NetlinkMessage(h, body));
      b.position(Math.min(b.limit(), start + NetlinkH.align(h.length())));
    }
    return out;
  }
}
