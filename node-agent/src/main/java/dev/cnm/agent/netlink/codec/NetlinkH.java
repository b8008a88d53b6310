package dev.cnm.agent.netlink.codec;

/** Constants of {@code <linux/netlink.h>} that cnm uses. */
public final class NetlinkH {
  public static final int NETLINK_ROUTE = 0;
  public static final int NETLINK_CAP_ACK = 10;
  public static final int NETLINK_EXT_ACK = 11;

  public static final int NLM_F_REQUEST = 0x01;
  public static final int NLM_F_MULTI = 0x02;
  public static final int NLM_F_ACK = 0x04;
  public static final int NLM_F_DUMP_INTR = 0x10;
  public static final int NLM_F_ROOT = 0x100;
  public static final int NLM_F_MATCH = 0x200;
  public static final int NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
  public static final int NLM_F_REPLACE = 0x100;
  public static final int NLM_F_EXCL = 0x200;
  public static final int NLM_F_CREATE = 0x400;
  public static final int NLM_F_APPEND = 0x800;
  /** In an NLMSG_ERROR: the request was not echoed back (NETLINK_CAP_ACK). */
  public static final int NLM_F_CAPPED = 0x100;
  /** In an NLMSG_ERROR: extended-ack TLVs follow. */
  public static final int NLM_F_ACK_TLVS = 0x200;

  public static final int NLMSG_NOOP = 1;
  public static final int NLMSG_ERROR = 2;
  public static final int NLMSG_DONE = 3;

  public static final int NLMSGERR_ATTR_MSG = 1;
  public static final int NLMSGERR_ATTR_OFFS = 2;

  /** nla_type bits that are flags, not the type: NLA_F_NESTED | NLA_F_NET_BYTEORDER. */
  public static final int NLA_TYPE_MASK = 0x3fff;
  public static final int NLA_F_NESTED = 0x8000;

  private NetlinkH() {}

  /** NLMSG_ALIGN / RTA_ALIGN / NLA_ALIGN: round up to 4 bytes. */
  public static int align(int len) {
    return (len + 3) & ~3;
  }
}
