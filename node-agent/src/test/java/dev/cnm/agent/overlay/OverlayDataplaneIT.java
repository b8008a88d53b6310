package dev.cnm.agent.overlay;

import static dev.cnm.agent.overlay.OverlayLab.ip;
import static dev.cnm.agent.overlay.OverlayLab.network;
import static dev.cnm.agent.overlay.OverlayLab.ping;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.agent.dataplane.ReconcileReport;
import dev.cnm.agent.netlink.NetlinkHandle;
import dev.cnm.agent.netlink.link.Link;
import dev.cnm.agent.netns.Namespaces;
import dev.cnm.agent.netns.NetNamespace;
import dev.cnm.agent.testsupport.KernelFixture;
import dev.cnm.runtime.net.IpPrefix;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The overlay's data half on the real kernel: three "hosts" (namespaces on a test underlay
 * switch), each with its own {@link OverlayDataplane}; sandboxes on different hosts talk over VXLAN.
 */
class OverlayDataplaneIT {
  private OverlayLab lab;

  @AfterEach
  void tearDown() {
    if (lab != null) {
      lab.close();
    }
  }

  @Test
  void sandboxesOnThreeHosts_pingEachOtherOverTheOverlay() {
    lab = new OverlayLab(3);
    NetNamespace[] sb = new NetNamespace[4];
    Peer[] peers = new Peer[4];
    for (int h = 1; h <= 3; h++) {
      OverlayNetworkState s = lab.host(h).overlay().ensureNetwork(network("ovnet1", 4242, "10.200.0", lab.host(h)));
      assertThat(s.mtu()).as("1500 underlay - 50").isEqualTo(1450);
      assertThat(s.underlayLink()).isEqualTo("ul0");
      sb[h] = lab.sandbox("sb" + h);
      peers[h] = lab.attach(h, "ovnet1", "ep" + h, sb[h], "10.200.0." + (h + 1));
    }
    for (int h = 1; h <= 3; h++) {
      int self = h;
      Set<Peer> remote = Set.of(peers[1], peers[2], peers[3]).stream().filter(p -> p != peers[self])
          .collect(java.util.stream.Collectors.toSet());
      PeerChanges c = lab.host(h).overlay().setPeers("ovnet1", remote);
      assertThat(c).isEqualTo(new PeerChanges(2, 2, 0, 0));
      assertThat(lab.host(h).overlay().setPeers("ovnet1", remote).none()).isTrue();
    }

    for (String to : List.of("10.200.0.3", "10.200.0.4")) {
      KernelFixture.Exec r = ping(sb[1], to);
      assertThat(r.code()).as(r.output()).isZero();
    }
    KernelFixture.Exec back = ping(sb[3], "10.200.0.2");
    assertThat(back.code()).as(back.output()).isZero();
    // a full-size packet passes with DF set: the MTU in effect is right end to end
    KernelFixture.Exec df = KernelFixture.exec(sb[1], "ping", "-c", "1", "-W", "3", "-M", "do", "-s", "1422", "10.200.0.3");
    assertThat(df.code()).as(df.output()).isZero();
    assertThat(KernelFixture.exec(sb[1], "ip", "-o", "link", "show", "eth0").output()).contains("mtu 1450");

    // the VXLAN device lives in the network's namespace, marked, with its socket on the underlay
    OverlayNetworkState s1 = lab.host(1).overlay().networks().get(0);
    String vx = OverlayLab.exec(s1.namespacePath(), "ip", "-d", "link", "show", "vxlan0").output();
    assertThat(vx).contains("vxlan id 4242", "local 10.77.0.1", "dstport 4789", "nolearning", "proxy", "link-netns",
        "alias cnm:ovnet1");
    assertThat(KernelFixture.exec(lab.host(1).namespace(), "ip", "-o", "link", "show", "type", "vxlan").output()).isBlank();
    String fdb = OverlayLab.exec(s1.namespacePath(), "bridge", "fdb", "show", "dev", "vxlan0").output();
    assertThat(fdb).contains(peers[2].mac() + " dst 10.77.0.2", peers[3].mac() + " dst 10.77.0.3").contains("self permanent");
  }

  @Test
  void twoOverlaysWithTheSameSubnet_onTheSameHosts_stayIsolated() {
    lab = new OverlayLab(2);
    for (int h = 1; h <= 2; h++) {
      lab.host(h).overlay().ensureNetwork(network("ovnetA", 101, "10.201.0", lab.host(h)));
      lab.host(h).overlay().ensureNetwork(network("ovnetB", 102, "10.201.0", lab.host(h)));
    }
    NetNamespace a1 = lab.sandbox("a1");
    NetNamespace a2 = lab.sandbox("a2");
    NetNamespace b1 = lab.sandbox("b1");
    NetNamespace b2 = lab.sandbox("b2");
    Peer pa1 = lab.attach(1, "ovnetA", "epa1", a1, "10.201.0.2");
    Peer pa2 = lab.attach(2, "ovnetA", "epa2", a2, "10.201.0.3");
    // the same address as a1, in the other network
    Peer pb1 = lab.attach(1, "ovnetB", "epb1", b1, "10.201.0.2");
    Peer pb2 = lab.attach(2, "ovnetB", "epb2", b2, "10.201.0.4");
    lab.host(1).overlay().setPeers("ovnetA", Set.of(pa2));
    lab.host(2).overlay().setPeers("ovnetA", Set.of(pa1));
    lab.host(1).overlay().setPeers("ovnetB", Set.of(pb2));
    lab.host(2).overlay().setPeers("ovnetB", Set.of(pb1));

    assertThat(ping(a1, "10.201.0.3").code()).isZero();
    assertThat(ping(b1, "10.201.0.4").code()).isZero();
    assertThat(ping(a2, "10.201.0.2").code()).isZero();
    assertThat(ping(b2, "10.201.0.2").code()).isZero();
    assertThat(OverlayLab.pingExpectingSilence(a1, "10.201.0.4").code()).as("A must not reach B's endpoint").isNotZero();
    assertThat(OverlayLab.pingExpectingSilence(b1, "10.201.0.3").code()).as("B must not reach A's endpoint").isNotZero();
    assertThat(lab.host(1).overlay().networks()).extracting(OverlayNetworkState::networkId)
        .containsExactlyInAnyOrder("ovnetA", "ovnetB");
  }

  @Test
  void removingAPeer_stopsTrafficToIt_andRemovesItsEntries() {
    lab = new OverlayLab(3);
    for (int h = 1; h <= 3; h++) {
      lab.host(h).overlay().ensureNetwork(network("ovnet1", 500, "10.202.0", lab.host(h)));
    }
    NetNamespace s1 = lab.sandbox("s1");
    Peer p1 = lab.attach(1, "ovnet1", "ep1", s1, "10.202.0.2");
    Peer p2 = lab.attach(2, "ovnet1", "ep2", lab.sandbox("s2"), "10.202.0.3");
    Peer p3 = lab.attach(3, "ovnet1", "ep3", lab.sandbox("s3"), "10.202.0.4");
    lab.host(1).overlay().setPeers("ovnet1", Set.of(p2, p3));
    lab.host(2).overlay().setPeers("ovnet1", Set.of(p1, p3));
    lab.host(3).overlay().setPeers("ovnet1", Set.of(p1, p2));
    assertThat(ping(s1, "10.202.0.3").code()).isZero();

    PeerChanges c = lab.host(1).overlay().setPeers("ovnet1", Set.of(p3));

    assertThat(c).isEqualTo(new PeerChanges(0, 0, 1, 1));
    KernelFixture.Exec r = OverlayLab.pingExpectingSilence(s1, "10.202.0.3");
    assertThat(r.code()).as(r.output()).isNotZero();
    assertThat(ping(s1, "10.202.0.4").code()).isZero();
    OverlayNetworkState s = lab.host(1).overlay().networks().get(0);
    assertThat(OverlayLab.exec(s.namespacePath(), "bridge", "fdb", "show", "dev", "vxlan0").output())
        .doesNotContain(p2.mac().toString()).contains(p3.mac().toString());
    assertThat(OverlayLab.exec(s.namespacePath(), "ip", "neigh", "show", "dev", "vxlan0").output())
        .doesNotContain("10.202.0.3").contains("10.202.0.4");

    // a peer that moved to another node is re-pointed, not duplicated
    Peer moved = new Peer(p3.ip(), p3.mac(), lab.host(2).address());
    assertThat(lab.host(1).overlay().setPeers("ovnet1", Set.of(moved))).isEqualTo(new PeerChanges(1, 0, 0, 0));
    assertThat(OverlayLab.exec(s.namespacePath(), "bridge", "fdb", "show", "dev", "vxlan0").output())
        .contains(p3.mac() + " dst 10.77.0.2").doesNotContain("dst 10.77.0.3");
  }

  @Test
  void detachEndpoint_removesItsVeth_andRemoveNetworkFreesTheVni() {
    lab = new OverlayLab(1);
    OverlayDataplane dp = lab.host(1).overlay();
    OverlayNetworkState s = dp.ensureNetwork(network("ovnet1", 600, "10.203.0", lab.host(1)));
    NetNamespace sb = lab.sandbox("s1");
    lab.attach(1, "ovnet1", "ep1", sb, "10.203.0.2");
    assertThat(KernelFixture.exec(sb, "ip", "route").output()).contains("default via 10.203.0.1 dev eth0");

    dp.detachEndpoint("ep1");
    dp.detachEndpoint("ep1");
    dp.removeNetwork("ovnet1");
    dp.removeNetwork("ovnet1");

    assertThat(KernelFixture.exec(sb, "ip", "-o", "link").output()).doesNotContain("eth0");
    assertThat(s.namespacePath()).doesNotExist();
    assertThat(dp.networks()).isEmpty();
    // the VNI is free at once for a new network (the old namespace's teardown is asynchronous)
    assertThat(dp.ensureNetwork(network("ovnet2", 600, "10.203.0", lab.host(1))).changed()).isTrue();
  }

  @Test
  void ensureNetwork_newMtu_reachesTheAttachedEndpoints() {
    lab = new OverlayLab(1);
    OverlayDataplane dp = lab.host(1).overlay();
    OverlayNetworkSpec spec = network("ovmtu", 650, "10.207.0", lab.host(1));
    dp.ensureNetwork(spec);
    NetNamespace sb = lab.sandbox("s1");
    lab.attach(1, "ovmtu", "ep1", sb, "10.207.0.2");

    OverlayNetworkState s = dp.ensureNetwork(spec.withMtu(1400));

    assertThat(s.changed()).isTrue();
    assertThat(s.mtu()).isEqualTo(1400);
    assertThat(KernelFixture.exec(sb, "ip", "-o", "link", "show", "eth0").output()).contains("mtu 1400");
    assertThat(OverlayLab.exec(s.namespacePath(), "ip", "-o", "link", "show", "vxlan0").output()).contains("mtu 1400");
    assertThat(dp.ensureNetwork(spec.withMtu(1400)).changed()).isFalse();
  }

  @Test
  void internalNetwork_endpointHasNoDefaultRoute() {
    lab = new OverlayLab(1);
    OverlayDataplane dp = lab.host(1).overlay();
    dp.ensureNetwork(network("ovint", 700, "10.204.0", lab.host(1)).withInternal(true));
    NetNamespace sb = lab.sandbox("s1");
    lab.attach(1, "ovint", "ep1", sb, "10.204.0.2");
    assertThat(KernelFixture.exec(sb, "ip", "route").output()).doesNotContain("default").contains("10.204.0.0/24");
  }

  @Test
  void reconcile_createsWhatIsDesired_andRemovesLeftoversAfterARestart() {
    lab = new OverlayLab(2);
    NetNamespace s1 = lab.sandbox("s1");
    NetNamespace s2 = lab.sandbox("s2");
    OverlayNetworkSpec n1 = network("ovrec", 800, "10.205.0", lab.host(1));
    OverlayNetworkSpec n2 = network("ovrec", 800, "10.205.0", lab.host(2));
    OverlayEndpointSpec e1 = OverlayEndpointSpec.of("ep1", "ovrec", "s1", s1.path(), IpPrefix.parse("ip", "10.205.0.2/24"));
    OverlayEndpointSpec e2 = OverlayEndpointSpec.of("ep2", "ovrec", "s2", s2.path(), IpPrefix.parse("ip", "10.205.0.3/24"));
    Peer p1 = new Peer(ip("10.205.0.2"), e1.effectiveMac(), lab.host(1).address());
    Peer p2 = new Peer(ip("10.205.0.3"), e2.effectiveMac(), lab.host(2).address());
    // a network of a previous run that is no longer desired
    lab.host(1).overlay().ensureNetwork(network("ovgone", 801, "10.206.0", lab.host(1)));

    OverlayDataplane dp1 = lab.restart(1);
    ReconcileReport r1 = dp1.reconcile(new OverlayDesiredState(List.of(n1), List.of(e1), Map.of("ovrec", Set.of(p2))));
    ReconcileReport r2 = lab.host(2).overlay().reconcile(
        new OverlayDesiredState(List.of(n2), List.of(e2), Map.of("ovrec", Set.of(p1))));

    assertThat(r1.failed()).isEmpty();
    assertThat(r1.created()).contains("network/ovrec", "endpoint/ep1");
    assertThat(r1.removed()).contains("network/ovgone");
    assertThat(r2.failed()).isEmpty();
    assertThat(new Namespaces(lab.host(1).stateDir().resolve("overlay")).list()).containsExactly("ovrec");
    KernelFixture.Exec r = ping(s1, "10.205.0.3");
    assertThat(r.code()).as(r.output()).isZero();
    assertThat(dp1.reconcile(new OverlayDesiredState(List.of(n1), List.of(e1), Map.of("ovrec", Set.of(p2)))).converged())
        .isTrue();

    // a restarted agent keeps the VXLAN device, its peers (read back from the kernel) and the
    // endpoint's veth (adopted, not re-created)
    String eth0 = KernelFixture.exec(s1, "ip", "-o", "link", "show", "eth0").output();
    OverlayDataplane again = lab.restart(1);
    ReconcileReport r3 = again.reconcile(new OverlayDesiredState(List.of(n1), List.of(e1), Map.of("ovrec", Set.of(p2))));
    assertThat(r3.failed()).isEmpty();
    assertThat(r3.created()).isEmpty();
    assertThat(r3.drift()).doesNotContain("peers/ovrec");
    assertThat(KernelFixture.exec(s1, "ip", "-o", "link", "show", "eth0").output()).isEqualTo(eth0);
    assertThat(again.endpoint("ep1")).isPresent();
    assertThat(ping(s1, "10.205.0.3").code()).isZero();

    ReconcileReport gone = again.reconcile(OverlayDesiredState.empty());
    assertThat(gone.removed()).contains("endpoint/ep1", "network/ovrec");
    assertThat(new Namespaces(lab.host(1).stateDir().resolve("overlay")).list()).isEmpty();
  }

  static List<String> linkNames(NetlinkHandle nl) {
    return nl.links().list().stream().map(Link::name).toList();
  }
}
