package dev.cnm.agent.overlay;

import java.net.InetAddress;

/**
 * A VXLAN device as the kernel reports it, with the IFLA_INFO_DATA fields the overlay compares
 * against what a network needs.
 *
 * @param index ifindex (in the namespace it was dumped from)
 * @param name IFLA_IFNAME
 * @param alias IFLA_IFALIAS ("cnm:&lt;network-id&gt;" when it is ours), or ""
 * @param mtu IFLA_MTU
 * @param up IFF_UP
 * @param masterIndex the bridge it is a port of, or 0
 * @param vni IFLA_VXLAN_ID
 * @param local IFLA_VXLAN_LOCAL / LOCAL6, or null
 * @param port IFLA_VXLAN_PORT (host order)
 * @param learning IFLA_VXLAN_LEARNING
 * @param proxy IFLA_VXLAN_PROXY (ARP/ND answered from the neighbour table)
 * @param underlayElsewhere IFLA_LINK_NETNSID is present: its UDP socket lives in another namespace
 */
record VxlanDevice(int index, String name, String alias, int mtu, boolean up, int masterIndex, int vni,
    InetAddress local, int port, boolean learning, boolean proxy, boolean underlayElsewhere) {

  /** Does this device carry {@code vni} from {@code local} on {@code port} the way the overlay makes it? */
  boolean matches(int wantVni, InetAddress wantLocal, int wantPort) {
    return vni == wantVni && wantLocal.equals(local) && port == wantPort && !learning && proxy && underlayElsewhere;
  }
}
