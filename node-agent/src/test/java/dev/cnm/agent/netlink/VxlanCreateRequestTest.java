package dev.cnm.agent.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.agent.netlink.codec.Attributes;
import dev.cnm.agent.netlink.codec.IfInfoMsg;
import dev.cnm.agent.netlink.codec.IfLinkH;
import dev.cnm.agent.netlink.codec.MessageWriter;
import dev.cnm.agent.netlink.codec.NetlinkH;
import dev.cnm.agent.netlink.codec.NetlinkMessage;
import dev.cnm.agent.netlink.codec.RtnetlinkH;
import dev.cnm.agent.netlink.link.LinkSpec;
import dev.cnm.agent.netlink.link.Vxlan;
import dev.cnm.runtime.net.IpPrefix;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The overlay's VXLAN create request, decoded again with the shared codec (no kernel needed). */
class VxlanCreateRequestTest {
  /** What the overlay sends: {@code ip link add NAME netns <fd> mtu MTU type vxlan ... nolearning proxy}. */
  private static MessageWriter createRequest(String name, int vni, InetAddress local, int port, int mtu, int fd) {
    return Links.addRequest(LinkSpec.of(name, Vxlan.overlay(vni, local, port).withProxy(true))
        .withMtu(mtu).withNamespaceFd(fd));
  }

  @Test
  void createRequest_encodesVniLocalPortNoLearningProxyAndTargetNamespace() {
    List<NetlinkMessage> msgs = NetlinkMessage.split(createRequest("vxlan0", 4242,
        IpPrefix.parseAddress("ip", "10.77.0.1"), 4789, 1450, 17).finish(7));

    assertThat(msgs).hasSize(1);
    NetlinkMessage m = msgs.get(0);
    assertThat(m.header().type()).isEqualTo(RtnetlinkH.RTM_NEWLINK);
    assertThat(m.header().flags() & (NetlinkH.NLM_F_CREATE | NetlinkH.NLM_F_EXCL))
        .isEqualTo(NetlinkH.NLM_F_CREATE | NetlinkH.NLM_F_EXCL);
    Attributes a = m.attributesAfter(IfInfoMsg.SIZE);
    assertThat(a.string(IfLinkH.IFLA_IFNAME)).contains("vxlan0");
    assertThat(a.u32(IfLinkH.IFLA_MTU)).hasValue(1450);
    assertThat(a.u32(IfLinkH.IFLA_NET_NS_FD)).hasValue(17);
    Attributes info = a.nested(IfLinkH.IFLA_LINKINFO);
    assertThat(info.string(IfLinkH.IFLA_INFO_KIND)).contains("vxlan");
    Attributes d = info.nested(IfLinkH.IFLA_INFO_DATA);
    assertThat(d.u32(IfLinkH.IFLA_VXLAN_ID)).hasValue(4242);
    assertThat(d.bytes(IfLinkH.IFLA_VXLAN_LOCAL)).hasValueSatisfying(b -> assertThat(b).containsExactly(10, 77, 0, 1));
    assertThat(d.u16be(IfLinkH.IFLA_VXLAN_PORT)).hasValue(4789);
    assertThat(d.u8(IfLinkH.IFLA_VXLAN_LEARNING)).hasValue(0);
    assertThat(d.u8(IfLinkH.IFLA_VXLAN_PROXY)).hasValue(1);
  }

  @Test
  void createRequest_ipv6Underlay_usesLocal6() {
    NetlinkMessage m = NetlinkMessage.split(createRequest("vxlan0", 1,
        IpPrefix.parseAddress("ip", "2001:db8::1"), 8472, 1430, 3).finish(1)).get(0);
    Attributes d = m.attributesAfter(IfInfoMsg.SIZE).nested(IfLinkH.IFLA_LINKINFO).nested(IfLinkH.IFLA_INFO_DATA);
    assertThat(d.has(IfLinkH.IFLA_VXLAN_LOCAL)).isFalse();
    assertThat(d.bytes(IfLinkH.IFLA_VXLAN_LOCAL6)).hasValueSatisfying(b -> assertThat(b).hasSize(16));
    assertThat(d.u16be(IfLinkH.IFLA_VXLAN_PORT)).hasValue(8472);
  }

  @Test
  void overlayKind_withoutProxy_leavesProxyAttributeOut() {
    NetlinkMessage m = NetlinkMessage.split(Links.addRequest(LinkSpec.of("vxlan0",
        Vxlan.overlay(9, null, 4789))).finish(1)).get(0);
    Attributes d = m.attributesAfter(IfInfoMsg.SIZE).nested(IfLinkH.IFLA_LINKINFO).nested(IfLinkH.IFLA_INFO_DATA);
    assertThat(d.has(IfLinkH.IFLA_VXLAN_PROXY)).isFalse();
    assertThat(d.has(IfLinkH.IFLA_VXLAN_LOCAL)).isFalse();
    assertThat(d.u32(IfLinkH.IFLA_VXLAN_ID)).hasValue(9);
  }
}
