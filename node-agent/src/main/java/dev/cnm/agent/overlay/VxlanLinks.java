package dev.cnm.agent.overlay;

import dev.cnm.agent.netlink.NetlinkHandle;
import dev.cnm.agent.netlink.codec.Attributes;
import dev.cnm.agent.netlink.codec.IfInfoMsg;
import dev.cnm.agent.netlink.codec.IfLinkH;
import dev.cnm.agent.netlink.codec.MessageWriter;
import dev.cnm.agent.netlink.codec.NetlinkH;
import dev.cnm.agent.netlink.codec.NetlinkMessage;
import dev.cnm.agent.netlink.codec.RtnetlinkH;
import dev.cnm.agent.netlink.link.Link;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The overlay's reading of VXLAN devices: a link dump decoded down to each device's
 * IFLA_INFO_DATA (VNI, local, port, learning, proxy), which the shared {@link Link} does not carry.
 * Creating one is the shared {@code Links.add} with a {@code Vxlan} kind.
 */
final class VxlanLinks {
  private VxlanLinks() {}

  /** Equivalent to: {@code ip -d link show type vxlan}. */
  static List<VxlanDevice> list(NetlinkHandle netlink) {
    MessageWriter w = new MessageWriter(RtnetlinkH.RTM_GETLINK, NetlinkH.NLM_F_DUMP).ifInfoMsg(IfInfoMsg.ofIndex(0));
    List<VxlanDevice> out = new ArrayList<>();
    for (NetlinkMessage m : netlink.dump(w, "ip -d link show type vxlan", RtnetlinkH.RTM_NEWLINK)) {
      IfInfoMsg ifi = IfInfoMsg.decode(m.bodyView());
      Attributes a = m.attributesAfter(IfInfoMsg.SIZE);
      Attributes linkInfo = a.nested(IfLinkH.IFLA_LINKINFO);
      if (!"vxlan".equals(linkInfo.string(IfLinkH.IFLA_INFO_KIND).orElse(""))) {
        continue;
      }
      Attributes d = linkInfo.nested(IfLinkH.IFLA_INFO_DATA);
      InetAddress local = d.bytes(IfLinkH.IFLA_VXLAN_LOCAL).or(() -> d.bytes(IfLinkH.IFLA_VXLAN_LOCAL6))
          .map(VxlanLinks::inet).orElse(null);
      out.add(new VxlanDevice(ifi.index(), a.string(IfLinkH.IFLA_IFNAME).orElse(""),
          a.string(IfLinkH.IFLA_IFALIAS).orElse(""), a.u32(IfLinkH.IFLA_MTU).orElse(0),
          (ifi.flags() & IfLinkH.IFF_UP) != 0, a.u32(IfLinkH.IFLA_MASTER).orElse(0),
          d.u32(IfLinkH.IFLA_VXLAN_ID).orElse(0), local, d.u16be(IfLinkH.IFLA_VXLAN_PORT).orElse(0),
          d.u8(IfLinkH.IFLA_VXLAN_LEARNING).orElse(1) != 0, d.u8(IfLinkH.IFLA_VXLAN_PROXY).orElse(0) != 0,
          a.has(IfLinkH.IFLA_LINK_NETNSID)));
    }
    return out;
  }

  private static InetAddress inet(byte[] raw) {
    try {
      return InetAddress.getByAddress(raw);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("address of " + raw.length + " bytes", e);
    }
  }
}
