package dev.cnm.agent.netlink.codec;

import java.nio.ByteBuffer;

/**
 * The fixed part of RTM_NEWROUTE/DELROUTE/GETROUTE.
 * <pre>
 * struct rtmsg {
 *   unsigned char rtm_family;
 *   unsigned char rtm_dst_len;
 *   unsigned char rtm_src_len;
 *   unsigned char rtm_tos;
 *   unsigned char rtm_table;     // routing table id
 *   unsigned char rtm_protocol;  // routing protocol (RTPROT_*)
 *   unsigned char rtm_scope;     // RT_SCOPE_*
 *   unsigned char rtm_type;      // RTN_*
 *   unsigned      rtm_flags;
 * };
 * </pre>
 */
public record RtMsg(int family, int dstLength, int srcLength, int tos, int table, int protocol, int scope,
    int type, int flags) {
  public static final int SIZE = 12;

  public void encode(ByteBuffer b) {
    b.put((byte) family).put((byte) dstLength).put((byte) srcLength).put((byte) tos).put((byte) table)
        .put((byte) protocol).put((byte) scope).put((byte) type).putInt(flags);
  }

  public static RtMsg decode(ByteBuffer b) {
    return new RtMsg(u8(b), u8(b), u8(b), u8(b), u8(b), u8(b), u8(b), u8(b), b.getInt());
  }

  private static int u8(ByteBuffer b) {
    return Byte.toUnsignedInt(b.get());
  }
}
