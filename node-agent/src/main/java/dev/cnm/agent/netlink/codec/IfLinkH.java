package dev.cnm.agent.netlink.codec;

/** Constants of {@code <linux/if_link.h>}, {@code <linux/if.h>} and {@code <linux/veth.h>}. */
public final class IfLinkH {
  public static final int IFLA_ADDRESS = 1;
  public static final int IFLA_BROADCAST = 2;
  public static final int IFLA_IFNAME = 3;
  public static final int IFLA_MTU = 4;
  public static final int IFLA_LINK = 5;
  public static final int IFLA_MASTER = 10;
  public static final int IFLA_TXQLEN = 13;
  public static final int IFLA_OPERSTATE = 16;
  public static final int IFLA_LINKINFO = 18;
  public static final int IFLA_NET_NS_PID = 19;
  public static final int IFLA_IFALIAS = 20;
  public static final int IFLA_NET_NS_FD = 28;
  public static final int IFLA_EXT_MASK = 29;
  public static final int IFLA_LINK_NETNSID = 37;
  public static final int IFLA_AF_SPEC = 26;
  /** Inside IFLA_AF_SPEC / AF_INET6 (linux/if_link.h): how IPv6 makes the link-local address. */
  public static final int IFLA_INET6_ADDR_GEN_MODE = 8;
  /** IN6_ADDR_GEN_MODE_NONE: no link-local address, hence no DAD and no MLD reports for it. */
  public static final int IN6_ADDR_GEN_MODE_NONE = 1;

  public static final int IFLA_INFO_KIND = 1;
  public static final int IFLA_INFO_DATA = 2;
  public static final int IFLA_INFO_SLAVE_KIND = 4;

  public static final int VETH_INFO_PEER = 1;

  public static final int IFLA_VXLAN_ID = 1;
  public static final int IFLA_VXLAN_GROUP = 2;
  public static final int IFLA_VXLAN_LINK = 3;
  public static final int IFLA_VXLAN_LOCAL = 4;
  public static final int IFLA_VXLAN_TTL = 5;
  public static final int IFLA_VXLAN_LEARNING = 7;
  /** Answer ARP / neighbour solicitations from the neighbour table; only taken at creation. */
  public static final int IFLA_VXLAN_PROXY = 11;
  public static final int IFLA_VXLAN_L2MISS = 13;
  public static final int IFLA_VXLAN_L3MISS = 14;
  public static final int IFLA_VXLAN_PORT = 15;
  public static final int IFLA_VXLAN_GROUP6 = 16;
  public static final int IFLA_VXLAN_LOCAL6 = 17;

  public static final int IFLA_MACVLAN_MODE = 1;
  public static final int IFLA_IPVLAN_MODE = 1;

  /** net_device flags (linux/if.h). */
  public static final int IFF_UP = 0x1;
  public static final int IFF_LOWER_UP = 0x10000;

  /** ARPHRD_ETHER (linux/if_arp.h). */
  public static final int ARPHRD_ETHER = 1;

  private IfLinkH() {}
}
