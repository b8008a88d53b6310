package dev.cnm.agent.netlink.codec;

import java.nio.ByteBuffer;

/**
 * The fixed part of RTM_NEWNEIGH/DELNEIGH/GETNEIGH (neighbours, and bridge FDB entries with
 * family AF_BRIDGE).
 * <pre>
 * struct ndmsg {
 *   __u8  ndm_family;
 *   __u8  ndm_pad1;
 *   __u16 ndm_pad2;
 *   __s32 ndm_ifindex;
 *   __u16 ndm_state;   // NUD_*
 *   __u8  ndm_flags;   // NTF_*
 *   __u8  ndm_type;
 * };
 * </pre>
 */
public record NdMsg(int family, int ifindex, int state, int flags, int type) {
  public static final int SIZE = 12;

  public void encode(ByteBuffer b) {
    b.put((byte) family).put((byte) 0).putShort((short) 0).putInt(ifindex).putShort((short) state)
        .put((byte) flags).put((byte) type);
  }

  public static NdMsg decode(ByteBuffer b) {
    int family = Byte.toUnsignedInt(b.get());
    b.get();
    b.getShort();
    return new NdMsg(family, b.getInt(), Short.toUnsignedInt(b.getShort()), Byte.toUnsignedInt(b.get()),
        Byte.toUnsignedInt(b.get()));
  }
}
