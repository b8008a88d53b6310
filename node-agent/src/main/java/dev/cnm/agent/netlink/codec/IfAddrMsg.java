package dev.cnm.agent.netlink.codec;

import java.nio.ByteBuffer;

/**
 * The fixed part of RTM_NEWADDR/DELADDR/GETADDR.
 * <pre>
 * struct ifaddrmsg {
 *   __u8  ifa_family;
 *   __u8  ifa_prefixlen;  // the prefix length
 *   __u8  ifa_flags;      // flags (IFA_F_*)
 *   __u8  ifa_scope;      // address scope
 *   __u32 ifa_index;      // link index
 * };
 * </pre>
 */
public record IfAddrMsg(int family, int prefixLength, int flags, int scope, int index) {
  public static final int SIZE = 8;

  public void encode(ByteBuffer b) {
    b.put((byte) family).put((byte) prefixLength).put((byte) flags).put((byte) scope).putInt(index);
  }

  public static IfAddrMsg decode(ByteBuffer b) {
    return new IfAddrMsg(Byte.toUnsignedInt(b.get()), Byte.toUnsignedInt(b.get()), Byte.toUnsignedInt(b.get()),
        Byte.toUnsignedInt(b.get()), b.getInt());
  }
}
