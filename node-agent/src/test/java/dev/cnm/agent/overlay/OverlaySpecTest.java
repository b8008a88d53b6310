package dev.cnm.agent.overlay;

import static dev.cnm.agent.overlay.OverlayLab.ip;
import static dev.cnm.agent.overlay.OverlayLab.mac;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.runtime.net.IpPrefix;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Input checks that need no kernel: they run before anything is changed. */
class OverlaySpecTest {
  private static final IpPrefix SUBNET = IpPrefix.parse("s", "10.9.0.0/24");
  private static final OverlayNetworkSpec NET = OverlayNetworkSpec.ipv4("n1", 42, SUBNET, ip("10.9.0.1"), ip("192.0.2.1"));

  private static void assertInvalid(Runnable r, String field, String text) {
    assertThatThrownBy(r::run).isInstanceOfSatisfying(CnmException.class,
        e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT)).hasMessageContaining(text)
        .satisfies(e -> assertThat(((CnmException) e).metadata().toString() + e.getMessage()).contains(field));
  }

  @Test
  void networkSpec_vniOutOfRange_isRejected() {
    assertInvalid(() -> OverlayNetworkSpec.ipv4("n1", 0, SUBNET, null, ip("192.0.2.1")), "vni", "VNI 0 is out of range");
    assertInvalid(() -> OverlayNetworkSpec.ipv4("n1", 16777216, SUBNET, null, ip("192.0.2.1")), "vni",
        "VNI 16777216 is out of range [1, 16777215]");
    assertThat(OverlayNetworkSpec.ipv4("n1", 16777215, SUBNET, null, ip("192.0.2.1")).vni()).isEqualTo(16777215);
  }

  @Test
  void networkSpec_defaultsAndBadFields() {
    assertThat(NET.dstPort()).isEqualTo(4789);
    assertThat(NET.bridgeAddresses()).containsExactly(IpPrefix.parse("g", "10.9.0.1/24"));
    assertInvalid(() -> OverlayNetworkSpec.ipv4("n1", 42, SUBNET, ip("10.8.0.1"), ip("192.0.2.1")), "gatewayV4",
        "is not inside the subnet");
    assertInvalid(() -> NET.withIpv6(IpPrefix.parse("s6", "fd00::/64"), null).withMtu(1279), "mtu",
        "less than IPv6's minimum of 1280");
    assertInvalid(() -> OverlayNetworkSpec.ipv4("n1", 42, SUBNET, null, ip("0.0.0.0")), "localAddress",
        "must be a unicast address");
    assertInvalid(() -> OverlayNetworkSpec.ipv4("bad/id", 42, SUBNET, null, ip("192.0.2.1")), "networkId", "bad id");
    assertInvalid(() -> new OverlayNetworkSpec("n1", 42, SUBNET, null, null, null, 0, 70000, ip("192.0.2.1"), false),
        "dstPort", "out of range");
  }

  @Test
  void endpointSpec_badFields_areRejected() {
    Path ns = Path.of("/proc/self/ns/net");
    assertInvalid(() -> OverlayEndpointSpec.of("e1", "n1", "s1", ns, IpPrefix.parse("a", "fd00::2/64")), "ipv4",
        "expected an IPv4 address");
    assertInvalid(() -> new OverlayEndpointSpec("e1", "n1", "s1", ns, "eth0", null, null, null), "ipv4",
        "needs an IPv4 or IPv6 address");
    assertInvalid(() -> new OverlayEndpointSpec("e1", "n1", "s1", ns, "a-name-longer-than-15", null,
        IpPrefix.parse("a", "10.9.0.2/24"), null), "ifName", "");
    assertThat(OverlayEndpointSpec.of("e1", "n1", "s1", ns, IpPrefix.parse("a", "10.9.0.2/24")).effectiveMac())
        .isEqualTo(mac("02:42:0a:09:00:02"));
    assertThat(OverlayEndpointSpec.of("0123456789abcdef", "n1", "s1", ns, IpPrefix.parse("a", "10.9.0.2/24"))
        .hostIfName()).isEqualTo("ve-0123456789ab");
  }

  @Test
  void peers_inconsistentOrOutsideTheNetwork_areRejected() {
    Peer ok = new Peer(ip("10.9.0.5"), mac("02:42:0a:09:00:05"), ip("192.0.2.2"));
    PeerProgrammer.validate(NET, Set.of(ok));
    assertInvalid(() -> PeerProgrammer.validate(NET, Set.of(new Peer(ip("10.10.0.5"), ok.mac(), ok.remote()))), "ip",
        "outside network n1's subnets");
    assertInvalid(() -> PeerProgrammer.validate(NET, Set.of(new Peer(ok.ip(), ok.mac(), ip("2001:db8::2")))), "remote",
        "not of the underlay's family");
    assertInvalid(() -> PeerProgrammer.validate(NET, Set.of(ok, new Peer(ok.ip(), mac("02:00:00:00:00:09"), ok.remote()))),
        "ip", "two MACs");
    assertInvalid(() -> PeerProgrammer.validate(NET, Set.of(ok, new Peer(ip("10.9.0.6"), ok.mac(), ip("192.0.2.3")))),
        "mac", "two nodes");
    assertInvalid(() -> new Peer(ok.ip(), mac("01:00:5e:00:00:01"), ok.remote()), "mac", "multicast");
  }
}
