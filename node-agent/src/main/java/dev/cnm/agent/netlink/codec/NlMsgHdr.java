package dev.cnm.agent.netlink.codec;

import java.nio.ByteBuffer;

/**
 * The netlink message header.
 * <pre>
 * struct nlmsghdr {
 *   __u32 nlmsg_len;    // length of message including header
 *   __u16 nlmsg_type;   // message content
 *   __u16 nlmsg_flags;  // additional flags
 *   __u32 nlmsg_seq;    // sequence number
 *   __u32 nlmsg_pid;    // sending process port ID
 * };
 * </pre>
 */
public record NlMsgHdr(int length, int type, int flags, int seq, int pid) {
  public static final int SIZE = 16;

  /** Writes the header at the buffer's position (native order) and advances it. */
  public void encode(ByteBuffer b) {
    b.putInt(length).putShort((short) type).putShort((short) flags).putInt(seq).putInt(pid);
  }

  /** Reads a header at the buffer's position and advances it. */
  public static NlMsgHdr decode(ByteBuffer b) {
    return new NlMsgHdr(b.getInt(), Short.toUnsignedInt(b.getShort()), Short.toUnsignedInt(b.getShort()),
        b.getInt(), b.getInt());
  }
}
