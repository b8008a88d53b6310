package dev.cnm.agent.netlink.codec;

import java.nio.ByteBuffer;

/**
 * The fixed part of RTM_NEWLINK/DELLINK/GETLINK, and of the VETH_INFO_PEER payload.
 * <pre>
 * struct ifinfomsg {
 *   unsigned char  ifi_family;
 *   unsigned char  __ifi_pad;
 *   unsigned short ifi_type;    // ARPHRD_*
 *   int            ifi_index;   // link index
 *   unsigned       ifi_flags;   // IFF_* flags
 *   unsigned       ifi_change;  // IFF_* change mask
 * };
 * </pre>
 */
public record IfInfoMsg(int family, int type, int index, int flags, int change) {
  public static final int SIZE = 16;

  public static IfInfoMsg ofIndex(int index) {
    return new IfInfoMsg(RtnetlinkH.AF_UNSPEC, 0, index, 0, 0);
  }

  public void encode(ByteBuffer b) {
    b.put((byte) family).put((byte) 0).putShort((short) type).putInt(index).putInt(flags).putInt(change);
  }

  public static IfInfoMsg decode(ByteBuffer b) {
    int family = Byte.toUnsignedInt(b.get());
    b.get();
    return new IfInfoMsg(family, Short.toUnsignedInt(b.getShort()), b.getInt(), b.getInt(), b.getInt());
  }
}
