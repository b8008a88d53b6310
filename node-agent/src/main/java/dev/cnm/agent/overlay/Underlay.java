package dev.cnm.agent.overlay;

import dev.cnm.agent.netlink.Address;
import dev.cnm.agent.netlink.Mtu;
import dev.cnm.agent.netlink.NetlinkHandle;
import dev.cnm.agent.netlink.codec.RtnetlinkH;
import dev.cnm.agent.netlink.link.Link;
import dev.cnm.api.v1.ErrorReason;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Map;

/**
 * The underlay link that holds a node's advertise address, and the overlay MTU it allows: its MTU
 * minus the VXLAN encapsulation (outer Ethernet 14 + outer IP 20 or 40 + UDP 8 + VXLAN 8 = 50 over
 * IPv4, 70 over IPv6), as libnetwork's overlay does instead of a fixed 1450.
 *
 * @param linkName the underlay link's name
 * @param linkMtu its MTU
 * @param overhead 50 or 70
 */
record Underlay(String linkName, int linkMtu, int overhead) {
  static final int VXLAN_OVERHEAD_IPV4 = 50;
  static final int VXLAN_OVERHEAD_IPV6 = 70;

  /** Finds the link holding {@code local}; FAILED_PRECONDITION when the address is not on this node. */
  static Underlay of(NetlinkHandle host, InetAddress local) {
    int family = local instanceof Inet4Address ? RtnetlinkH.AF_INET : RtnetlinkH.AF_INET6;
    for (Address a : host.addresses().list(0, family)) {
      if (a.prefix().address().equals(local)) {
        Link l = host.links().get(a.index());
        return new Underlay(l.name(), l.mtu(), family == RtnetlinkH.AF_INET ? VXLAN_OVERHEAD_IPV4 : VXLAN_OVERHEAD_IPV6);
      }
    }
    throw new CnmException(ErrorKind.FAILED_PRECONDITION, ErrorReason.ADVERTISE_ADDRESS_NOT_LOCAL, "the VXLAN local (advertise) "
        + "address " + local.getHostAddress() + " is not an address of this node: give the address of the underlay "
        + "interface other nodes reach this one at", Map.of("localAddress", local.getHostAddress()), null);
  }

  /** The MTU the network gets: the override, or the underlay's minus the encapsulation; checked for IPv6. */
  int overlayMtu(OverlayNetworkSpec spec) {
    int mtu = spec.mtu() != 0 ? spec.mtu() : linkMtu - overhead;
    String source = spec.mtu() != 0 ? "the MTU override " + mtu
        : "underlay link " + linkName + " (MTU " + linkMtu + ") minus " + overhead + " for VXLAN = " + mtu;
    if (mtu < Mtu.MIN) {
      throw CnmException.invalidArgument("mtu", source + " is below the minimum of " + Mtu.MIN);
    }
    if (spec.hasIpv6() && mtu < Mtu.MIN_IPV6) {
      throw new CnmException(ErrorKind.INVALID_ARGUMENT, ErrorReason.MTU_TOO_SMALL_FOR_IPV6, source + " leaves less than IPv6's "
          + "minimum of " + Mtu.MIN_IPV6 + " for IPv6 network " + spec.networkId(),
          Map.of("field", "mtu", "mtu", Integer.toString(mtu)), null);
    }
    return mtu;
  }
}
