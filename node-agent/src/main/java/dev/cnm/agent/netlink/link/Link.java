package dev.cnm.agent.netlink.link;

import dev.cnm.agent.netlink.MacAddress;
import dev.cnm.agent.netlink.codec.IfLinkH;

/**
 * A link as the kernel reports it (one RTM_NEWLINK of a dump or a get).
 *
 * @param index ifindex
 * @param name IFLA_IFNAME
 * @param flags IFF_* flags
 * @param mtu IFLA_MTU
 * @param mac IFLA_ADDRESS, or null (e.g. for loopback-less kinds)
 * @param masterIndex IFLA_MASTER, 0 when not enslaved
 * @param alias IFLA_IFALIAS, or "" when unset
 * @param kind IFLA_INFO_KIND ("veth", "bridge"...), or "" for physical and loopback links
 * @param parentIndex IFLA_LINK (a veth's peer index, a macvlan's parent), 0 when absent
 */
public record Link(int index, String name, int flags, int mtu, MacAddress mac, int masterIndex, String alias,
    String kind, int parentIndex) {
  /** Administratively up (IFF_UP). */
  public boolean isUp() {
    return (flags & IfLinkH.IFF_UP) != 0;
  }

  /** Carrier present (IFF_LOWER_UP). */
  public boolean hasCarrier() {
    return (flags & IfLinkH.IFF_LOWER_UP) != 0;
  }
}
