package dev.cnm.agent.overlay;

import static dev.cnm.agent.overlay.OverlayLab.ip;
import static dev.cnm.agent.overlay.OverlayLab.network;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cnm.agent.netns.Namespaces;
import dev.cnm.agent.netns.NetNamespace;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.runtime.net.IpPrefix;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Bad input that only the kernel's state can reveal: a precise error and nothing changed. */
class OverlayBadInputIT {
  private OverlayLab lab;
  private OverlayDataplane dp;

  @BeforeEach
  void setUp() {
    lab = new OverlayLab(1);
    dp = lab.host(1).overlay();
  }

  @AfterEach
  void tearDown() {
    lab.close();
  }

  private void assertNothingCreated() {
    assertThat(new Namespaces(lab.host(1).stateDir().resolve("overlay")).list()).isEmpty();
    assertThat(dp.networks()).isEmpty();
  }

  private static void assertError(Runnable r, ErrorKind kind, String reason, String text) {
    assertThatThrownBy(r::run).isInstanceOfSatisfying(CnmException.class, e -> {
      assertThat(e.kind()).isEqualTo(kind);
      if (reason != null) {
        assertThat(e.reason()).isEqualTo(reason);
      }
    }).hasMessageContaining(text);
  }

  @Test
  void ensureNetwork_advertiseAddressNotOnThisNode_failsBeforeAnyChange() {
    OverlayNetworkSpec spec = OverlayNetworkSpec.ipv4("ovnet1", 100, IpPrefix.parse("s", "10.220.0.0/24"),
        ip("10.220.0.1"), ip("10.77.0.99"));
    assertError(() -> dp.ensureNetwork(spec), ErrorKind.FAILED_PRECONDITION, "ADVERTISE_ADDRESS_NOT_LOCAL",
        "10.77.0.99 is not an address of this node");
    assertNothingCreated();
  }

  @Test
  void ensureNetwork_ipv6NetworkOverASmallUnderlayMtu_failsBeforeAnyChange() {
    lab.host(1).netlink().links().setMtu("ul0", 1300);
    OverlayNetworkSpec v6 = network("ovnet6", 101, "10.221.0", lab.host(1))
        .withIpv6(IpPrefix.parse("s6", "fd78::/64"), ip("fd78::1"));
    assertError(() -> dp.ensureNetwork(v6), ErrorKind.INVALID_ARGUMENT, "MTU_TOO_SMALL_FOR_IPV6",
        "underlay link ul0 (MTU 1300) minus 50 for VXLAN = 1250 leaves less than IPv6's minimum of 1280");
    assertNothingCreated();
    // an IPv4-only network takes the smaller MTU, and an override can set the IPv6 network's
    assertThat(dp.ensureNetwork(network("ovnet4", 102, "10.222.0", lab.host(1))).mtu()).isEqualTo(1250);
    assertThat(dp.ensureNetwork(v6.withMtu(1280)).mtu()).isEqualTo(1280);
  }

  @Test
  void ensureNetwork_vniOfAnotherNetworkOnThisNode_isRefused() {
    dp.ensureNetwork(network("ovnet1", 103, "10.223.0", lab.host(1)));
    assertError(() -> dp.ensureNetwork(network("ovnet2", 103, "10.224.0", lab.host(1))), ErrorKind.FAILED_PRECONDITION,
        "VNI_IN_USE", "already used by overlay network ovnet1");
    assertThat(dp.networks()).extracting(OverlayNetworkState::networkId).containsExactly("ovnet1");
  }

  @Test
  void attachAndSetPeers_badInput_failBeforeAnyChange() {
    NetNamespace sb = lab.sandbox("s1");
    assertError(() -> lab.attach(1, "ovnone", "ep1", sb, "10.225.0.2"), ErrorKind.FAILED_PRECONDITION,
        "NETWORK_NOT_READY", "ovnone");
    assertError(() -> dp.setPeers("ovnone", Set.of()), ErrorKind.FAILED_PRECONDITION, "NETWORK_NOT_READY", "ovnone");
    OverlayNetworkState s = dp.ensureNetwork(network("ovnet1", 104, "10.225.0", lab.host(1)));
    assertError(() -> lab.attach(1, "ovnet1", "ep1", sb, "10.99.0.2"), ErrorKind.INVALID_ARGUMENT, null,
        "outside overlay network ovnet1's subnet");
    assertError(() -> dp.attachEndpoint(OverlayEndpointSpec.of("ep1", "ovnet1", "s1", Path.of("/nonexistent/cnmt"),
        IpPrefix.parse("ip", "10.225.0.2/24"))), ErrorKind.INVALID_ARGUMENT, null, "does not exist");
    Peer good = new Peer(ip("10.225.0.3"), OverlayLab.mac("02:42:0a:e1:00:03"), ip("10.77.0.2"));
    Peer outside = new Peer(ip("10.226.0.3"), OverlayLab.mac("02:42:0a:e2:00:03"), ip("10.77.0.2"));
    assertError(() -> dp.setPeers("ovnet1", Set.of(good, outside)), ErrorKind.INVALID_ARGUMENT, null,
        "outside network ovnet1's subnets");

    assertThat(dp.endpoint("ep1")).isEmpty();
    assertThat(OverlayLab.exec(s.namespacePath(), "ip", "-o", "link").output()).doesNotContain("ve-");
    assertThat(OverlayLab.exec(s.namespacePath(), "bridge", "fdb", "show", "dev", "vxlan0").output())
        .doesNotContain("dst");
  }
}
