package dev.cnm.agent.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cnm.agent.netlink.codec.IfLinkH;
import dev.cnm.agent.netlink.codec.IfInfoMsg;
import dev.cnm.agent.netlink.codec.MessageWriter;
import dev.cnm.agent.netlink.codec.NetlinkMessage;
import dev.cnm.agent.netlink.link.Bridge;
import dev.cnm.agent.netlink.link.Ipvlan;
import dev.cnm.agent.netlink.link.LinkSpec;
import dev.cnm.agent.netlink.link.Veth;
import dev.cnm.agent.netlink.link.Vxlan;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.runtime.net.IpPrefix;
import org.junit.jupiter.api.Test;

/** Bad input is refused before a request is built (no kernel needed). */
class InputValidationTest {

  private static void invalid(Runnable r, String... messageParts) {
    assertThatThrownBy(r::run).isInstanceOfSatisfying(CnmException.class,
        e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT)).hasMessageContainingAll(messageParts);
  }

  @Test
  void interfaceName_over15BytesOrWithSlash_isRejected() {
    assertThat(InterfaceName.check("n", "abcdefghijklmno")).hasSize(15);
    invalid(() -> InterfaceName.check("name", "abcdefghijklmnop"), "name", "16 bytes", "at most 15");
    invalid(() -> InterfaceName.check("name", "ethé12345678901"), "bytes");
    invalid(() -> InterfaceName.check("name", "eth/0"), "'/'");
    invalid(() -> InterfaceName.check("name", "eth 0"), "name");
    invalid(() -> InterfaceName.check("name", ""), "empty");
    invalid(() -> LinkSpec.of("cnmtaaaaaaaaaaaaa", new Bridge()), "name");
    invalid(() -> Veth.peer("bad/peer"), "peerName");
  }

  @Test
  void mtu_outOfRange_isRejected() {
    assertThat(Mtu.check("mtu", 68)).isEqualTo(68);
    assertThat(Mtu.check("mtu", 65535)).isEqualTo(65535);
    invalid(() -> Mtu.check("mtu", 67), "MTU 67", "out of range");
    invalid(() -> Mtu.check("mtu", 65536), "MTU 65536");
    invalid(() -> LinkSpec.of("cnmt0", new Bridge()).withMtu(-5), "mtu");
  }

  @Test
  void mac_multicastMalformedOrZero_isRejected() {
    assertThat(MacAddress.parseUnicast("mac", "02:42:0A:00:00:02").toString()).isEqualTo("02:42:0a:00:00:02");
    invalid(() -> MacAddress.parseUnicast("mac", "01:00:5e:00:00:01"), "mac", "multicast");
    invalid(() -> MacAddress.parseUnicast("mac", "ff:ff:ff:ff:ff:ff"), "multicast");
    invalid(() -> MacAddress.parseUnicast("mac", "00:00:00:00:00:00"), "all zeros");
    invalid(() -> MacAddress.parse("mac", "02:42:0a:00:00"), "malformed", "6 hex octets");
    invalid(() -> MacAddress.parse("mac", "02:42:0a:00:00:zz"), "malformed", "zz");
    invalid(() -> LinkSpec.of("cnmt0", new Bridge()).withMac(MacAddress.parse("m", "03:00:00:00:00:01")), "multicast");
    assertThat(MacAddress.randomLocal().bytes()[0] & 3).isEqualTo(2);
  }

  @Test
  void address_wrongFamilyOrMalformed_isRejected() {
    IpPrefix v6 = IpPrefix.parse("ip", "fd00::2/64");
    invalid(() -> v6.requireIpv4("ipv4"), "ipv4", "expected an IPv4 address");
    invalid(() -> IpPrefix.parse("ip", "10.0.0.1/24").requireIpv6("ipv6"), "expected an IPv6 address");
    invalid(() -> IpPrefix.parse("ip", "10.0.0.1/33"), "out of range");
    invalid(() -> IpPrefix.parse("ip", "example.com/24"), "not an IP address");
    invalid(() -> IpPrefix.parse("ip", "10.0.0.1/x"), "malformed prefix length");
    invalid(() -> Route.defaultVia(null, 1), "destination or a gateway");
    invalid(() -> Route.to(IpPrefix.parse("d", "10.0.0.0/8"), IpPrefix.parseAddress("g", "fd00::1"), 1), "same family");
    assertThat(IpPrefix.parse("ip", "10.1.2.3/24").contains(IpPrefix.parseAddress("a", "10.1.2.200"))).isTrue();
    assertThat(IpPrefix.parse("ip", "10.1.2.3/24").contains(IpPrefix.parseAddress("a", "10.1.3.1"))).isFalse();
  }

  @Test
  void vxlan_vniOrPortOutOfRange_isRejected_andValidOneEncodesNoLearning() {
    invalid(() -> Vxlan.overlay(0, null, 4789), "VNI 0");
    invalid(() -> Vxlan.overlay(1 << 24, null, 4789), "VNI");
    invalid(() -> Vxlan.overlay(7, null, 70000), "port 70000");
    invalid(() -> new Ipvlan(0, Ipvlan.Mode.L2), "parent");

    MessageWriter w = new MessageWriter(16, 0).ifInfoMsg(IfInfoMsg.ofIndex(0));
    Vxlan.overlay(4242, IpPrefix.parseAddress("l", "192.0.2.1"), 4789).writeInfoData(w);
    var a = NetlinkMessage.split(w.finish(1)).get(0).attributesAfter(IfInfoMsg.SIZE);
    assertThat(a.u32(IfLinkH.IFLA_VXLAN_ID)).hasValue(4242);
    assertThat(a.u8(IfLinkH.IFLA_VXLAN_LEARNING)).hasValue(0);
    assertThat(a.u16be(IfLinkH.IFLA_VXLAN_PORT)).hasValue(4789);
    assertThat(a.bytes(IfLinkH.IFLA_VXLAN_LOCAL).orElseThrow()).containsExactly(192, 0, 2, 1);
  }
}
