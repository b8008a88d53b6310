package dev.cnm.agent.netlink.link;

import dev.cnm.agent.netlink.codec.IfLinkH;
import dev.cnm.agent.netlink.codec.MessageWriter;
import dev.cnm.runtime.errors.CnmException;
import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * A VXLAN device for the overlay: one VNI, a local underlay address, a UDP port, and learning
 * off, because the agent programs every remote endpoint as a static FDB + neighbour entry.
 *
 * @param vni the VXLAN network identifier, 1..16777215
 * @param local the local underlay address (IPv4 or IPv6), or null
 * @param dstPort the UDP destination port (4789 is IANA's)
 * @param learning whether the device learns remote MACs from traffic
 * @param parentIndex the underlay link index (IFLA_VXLAN_LINK), or 0
 * @param l2miss / l3miss report FDB / neighbour misses to user space (for on-demand lookups)
 * @param proxy answer ARP / neighbour solicitations from the neighbour table (IFLA_VXLAN_PROXY);
 *     the kernel only takes it at creation (a changelink answers EOPNOTSUPP)
 */
public record Vxlan(int vni, InetAddress local, int dstPort, boolean learning, int parentIndex,
    boolean l2miss, boolean l3miss, boolean proxy) implements LinkKind {
  public static final int IANA_PORT = 4789;

  public Vxlan {
    if (vni < 1 || vni > 0xffffff) {
      throw CnmException.invalidArgument("vni", "VNI " + vni + " out of range [1, 16777215]");
    }
    if (dstPort < 1 || dstPort > 65535) {
      throw CnmException.invalidArgument("dstPort", "port " + dstPort + " out of range [1, 65535]");
    }
  }

  /** The overlay's usual device: learning off, no miss notifications. */
  public static Vxlan overlay(int vni, InetAddress local, int dstPort) {
    return new Vxlan(vni, local, dstPort, false, 0, false, false, false);
  }

  public Vxlan withProxy(boolean value) {
    return new Vxlan(vni, local, dstPort, learning, parentIndex, l2miss, l3miss, value);
  }

  @Override
  public String kind() {
    return "vxlan";
  }

  @Override
  public void writeInfoData(MessageWriter w) {
    w.attrU32(IfLinkH.IFLA_VXLAN_ID, vni);
    if (local != null) {
      w.attr(local instanceof Inet4Address ? IfLinkH.IFLA_VXLAN_LOCAL : IfLinkH.IFLA_VXLAN_LOCAL6, local.getAddress());
    }
    if (parentIndex > 0) {
      w.attrU32(IfLinkH.IFLA_VXLAN_LINK, parentIndex);
    }
    w.attrU16be(IfLinkH.IFLA_VXLAN_PORT, dstPort);
    w.attrU8(IfLinkH.IFLA_VXLAN_LEARNING, learning ? 1 : 0);
    if (l2miss) {
      w.attrU8(IfLinkH.IFLA_VXLAN_L2MISS, 1);
    }
    if (l3miss) {
      w.attrU8(IfLinkH.IFLA_VXLAN_L3MISS, 1);
    }
    if (proxy) {
      w.attrU8(IfLinkH.IFLA_VXLAN_PROXY, 1);
    }
  }

  @Override
  public String describe() {
    return "type vxlan id " + vni + (local != null ? " local " + local.getHostAddress() : "")
        + " dstport " + dstPort + (learning ? "" : " nolearning") + (proxy ? " proxy" : "");
  }
}
