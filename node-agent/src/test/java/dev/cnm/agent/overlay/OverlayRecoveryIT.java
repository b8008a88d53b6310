package dev.cnm.agent.overlay;

import static dev.cnm.agent.overlay.OverlayLab.ip;
import static dev.cnm.agent.overlay.OverlayLab.network;
import static dev.cnm.agent.overlay.OverlayLab.ping;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cnm.agent.netns.Namespaces;
import dev.cnm.agent.netns.NetNamespace;
import dev.cnm.agent.testsupport.KernelFixture;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.runtime.net.IpPrefix;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Leftovers from crashes (stale VXLAN devices, namespaces) and dual-stack overlays, on the real kernel. */
class OverlayRecoveryIT {
  private OverlayLab lab;

  @AfterEach
  void tearDown() {
    if (lab != null) {
      lab.close();
    }
  }

  private static KernelFixture.Exec ipCmd(NetNamespace ns, String... args) {
    String[] cmd = new String[args.length + 1];
    cmd[0] = "ip";
    System.arraycopy(args, 0, cmd, 1, args.length);
    KernelFixture.Exec r = KernelFixture.exec(ns, cmd);
    assertThat(r.code()).as(r.output()).isZero();
    return r;
  }

  private Namespaces overlayNamespaces(int host) {
    return new Namespaces(lab.host(host).stateDir().resolve("overlay"));
  }

  @Test
  void ensureNetwork_staleVxlanWithOurMarkingInTheUnderlay_isReplacedNotFileExists() {
    lab = new OverlayLab(1);
    NetNamespace host = lab.host(1).namespace();
    // what an agent that created its device in the host namespace (as libnetwork does) and crashed leaves
    ipCmd(host, "link", "add", "cnmtvx0", "type", "vxlan", "id", "900", "local", "10.77.0.1", "dstport", "4789", "nolearning");
    ipCmd(host, "link", "set", "cnmtvx0", "alias", "cnm:ovold");

    OverlayNetworkState s = lab.host(1).overlay().ensureNetwork(network("ovnet1", 900, "10.210.0", lab.host(1)));

    assertThat(KernelFixture.exec(host, "ip", "link", "show", "cnmtvx0").code()).isNotZero();
    assertThat(OverlayLab.exec(s.namespacePath(), "ip", "-d", "link", "show", "vxlan0").output()).contains("vxlan id 900");
  }

  @Test
  void ensureNetwork_vniHeldByADeviceThatIsNotOurs_failsClearlyAndChangesNothing() {
    lab = new OverlayLab(1);
    NetNamespace host = lab.host(1).namespace();
    ipCmd(host, "link", "add", "cnmtforeign", "type", "vxlan", "id", "910", "local", "10.77.0.1", "dstport", "4789");

    assertThatThrownBy(() -> lab.host(1).overlay().ensureNetwork(network("ovnet1", 910, "10.211.0", lab.host(1))))
        .isInstanceOfSatisfying(CnmException.class, e -> {
          assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION);
          assertThat(e.reason()).isEqualTo("VNI_IN_USE");
        })
        .hasMessageContaining("cnmtforeign").hasMessageContaining("910");
    assertThat(ipCmd(host, "link", "show", "cnmtforeign").output()).contains("cnmtforeign");
    assertThat(overlayNamespaces(1).list()).isEmpty();
    assertThat(lab.host(1).overlay().networks()).isEmpty();
  }

  @Test
  void ensureNetwork_vniHeldByTheNamespaceOfANetworkGoneWhileTheAgentWasDown_isFreed() {
    lab = new OverlayLab(1);
    lab.host(1).overlay().ensureNetwork(network("ovold", 920, "10.212.0", lab.host(1)));
    OverlayDataplane restarted = lab.restart(1);

    OverlayNetworkState s = restarted.ensureNetwork(network("ovnew", 920, "10.212.0", lab.host(1)));

    assertThat(OverlayLab.exec(s.namespacePath(), "ip", "-d", "link", "show", "vxlan0").output()).contains("vxlan id 920");
    assertThat(OverlayLab.exec(overlayNamespaces(1).directory().resolve("ovold"), "ip", "-o", "link", "show", "type",
        "vxlan").output()).isBlank();
  }

  @Test
  void ensureNetwork_afterARestart_keepsAMatchingDeviceAndReplacesOneThatDiffers() {
    lab = new OverlayLab(2);
    OverlayNetworkSpec spec = network("ovnet1", 930, "10.213.0", lab.host(1));
    lab.host(1).overlay().ensureNetwork(spec);
    lab.host(2).overlay().ensureNetwork(network("ovnet1", 930, "10.213.0", lab.host(2)));
    NetNamespace s1 = lab.sandbox("s1");
    Peer p1 = lab.attach(1, "ovnet1", "ep1", s1, "10.213.0.2");
    Peer p2 = lab.attach(2, "ovnet1", "ep2", lab.sandbox("s2"), "10.213.0.3");
    lab.host(2).overlay().setPeers("ovnet1", Set.of(p1));
    lab.host(1).overlay().setPeers("ovnet1", Set.of(p2));
    String before = OverlayLab.exec(lab.host(1).overlay().networks().get(0).namespacePath(), "ip", "-o", "link", "show",
        "vxlan0").output();

    OverlayDataplane restarted = lab.restart(1);
    OverlayNetworkState same = restarted.ensureNetwork(spec);

    assertThat(same.changed()).isFalse();
    assertThat(OverlayLab.exec(same.namespacePath(), "ip", "-o", "link", "show", "vxlan0").output()).isEqualTo(before);
    assertThat(restarted.setPeers("ovnet1", Set.of(p2)).none()).as("peers read back from the kernel").isTrue();
    assertThat(ping(s1, "10.213.0.3").code()).isZero();

    // the network's VNI changed while the agent was down: the old device goes, peers are re-applied
    OverlayNetworkState changed = restarted.ensureNetwork(network("ovnet1", 931, "10.213.0", lab.host(1)));
    assertThat(changed.changed()).isTrue();
    assertThat(OverlayLab.exec(changed.namespacePath(), "ip", "-d", "link", "show", "vxlan0").output())
        .contains("vxlan id 931");
    assertThat(OverlayLab.exec(changed.namespacePath(), "bridge", "fdb", "show", "dev", "vxlan0").output())
        .contains(p2.mac() + " dst 10.77.0.2");
  }

  @Test
  void dualStackOverlay_pingsOverIpv6Too() {
    lab = new OverlayLab(2);
    Peer[] peers = new Peer[3];
    NetNamespace[] sb = new NetNamespace[3];
    for (int h = 1; h <= 2; h++) {
      lab.host(h).overlay().ensureNetwork(network("ovds", 940, "10.214.0", lab.host(h))
          .withIpv6(IpPrefix.parse("s6", "fd77:1::/64"), ip("fd77:1::1")));
      sb[h] = lab.sandbox("s" + h);
      OverlayEndpointSpec e = new OverlayEndpointSpec("ep" + h, "ovds", "ep" + h, sb[h].path(), "eth0", null,
          IpPrefix.parse("ip", "10.214.0." + (h + 1) + "/24"), IpPrefix.parse("ip6", "fd77:1::" + (h + 1) + "/64"));
      lab.host(h).overlay().attachEndpoint(e);
      peers[h] = new Peer(ip("fd77:1::" + (h + 1)), e.effectiveMac(), lab.host(h).address());
    }
    Peer v4of1 = new Peer(ip("10.214.0.2"), peers[1].mac(), lab.host(1).address());
    Peer v4of2 = new Peer(ip("10.214.0.3"), peers[2].mac(), lab.host(2).address());
    assertThat(lab.host(1).overlay().setPeers("ovds", Set.of(peers[2], v4of2))).isEqualTo(new PeerChanges(1, 2, 0, 0));
    lab.host(2).overlay().setPeers("ovds", Set.of(peers[1], v4of1));

    KernelFixture.Exec r = KernelFixture.exec(sb[1], "ping", "-6", "-c", "1", "-W", "3", "fd77:1::3");
    assertThat(r.code()).as(r.output()).isZero();
    assertThat(ping(sb[2], "10.214.0.2").code()).isZero();
  }
}
