package dev.cnm.agent.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cnm.agent.netlink.codec.NeighbourH;
import dev.cnm.agent.netlink.codec.RtnetlinkH;
import dev.cnm.agent.netlink.link.Bridge;
import dev.cnm.agent.netlink.link.Link;
import dev.cnm.agent.netlink.link.LinkSpec;
import dev.cnm.agent.netlink.link.Macvlan;
import dev.cnm.agent.netlink.link.Veth;
import dev.cnm.agent.netlink.link.Vxlan;
import dev.cnm.agent.netlink.sys.AlreadyExistsException;
import dev.cnm.agent.netlink.sys.NoSuchDeviceException;
import dev.cnm.agent.netlink.sys.NotFoundException;
import dev.cnm.agent.netlink.sys.PermissionDeniedException;
import dev.cnm.agent.netns.NetNamespace;
import dev.cnm.agent.testsupport.DropCapability;
import dev.cnm.agent.testsupport.KernelFixture;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.runtime.net.IpPrefix;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Netlink operations against the real kernel, inside namespaces the test creates. */
class NetlinkHandleIT {
  private KernelFixture fx;
  private NetNamespace host;
  private NetlinkHandle nl;

  @BeforeEach
  void setUp() {
    fx = new KernelFixture();
    host = fx.namespace("host");
    nl = fx.handle(host);
  }

  @AfterEach
  void tearDown() {
    fx.close();
  }

  @Test
  void addBridge_withMtuAliasAndUp_isListedWithThoseAttributes() {
    nl.links().add(LinkSpec.of("cnmtbr0", new Bridge()).withMtu(1400).withAlias("cnm:net1").withUp(true));

    Link br = nl.links().get("cnmtbr0");
    assertThat(br.kind()).isEqualTo("bridge");
    assertThat(br.mtu()).isEqualTo(1400);
    assertThat(br.alias()).isEqualTo("cnm:net1");
    assertThat(br.isUp()).isTrue();
    assertThat(nl.links().list()).extracting(Link::name).contains("lo", "cnmtbr0");
    assertThat(KernelFixture.exec(host, "ip", "-o", "link", "show", "cnmtbr0").output()).contains("mtu 1400");
  }

  @Test
  void setOperations_changeMtuMacAliasNameAndState() {
    nl.links().add(LinkSpec.of("cnmtd0", Veth.peer("cnmtd0p")));
    MacAddress mac = MacAddress.parseUnicast("mac", "02:00:00:aa:bb:cc");

    nl.links().setMtu("cnmtd0", 1234);
    nl.links().setMac("cnmtd0", mac);
    nl.links().setAlias("cnmtd0", "cnm:x");
    nl.links().setName("cnmtd0", "cnmtd1");
    nl.links().setUp("cnmtd1");

    Link d = nl.links().get("cnmtd1");
    assertThat(d.mtu()).isEqualTo(1234);
    assertThat(d.mac()).isEqualTo(mac);
    assertThat(d.alias()).isEqualTo("cnm:x");
    assertThat(d.isUp()).isTrue();
    nl.links().setDown("cnmtd1");
    assertThat(nl.links().get("cnmtd1").isUp()).isFalse();
    assertThat(nl.links().find("cnmtd0")).isEmpty();
  }

  @Test
  void addVeth_withPeerInOtherNamespace_peerIsBornThereWithItsMacAndMaster() {
    NetNamespace sandbox = fx.namespace("sb");
    NetlinkHandle sb = fx.handle(sandbox);
    nl.links().add(LinkSpec.of("cnmtbr0", new Bridge()).withUp(true));
    int br = nl.links().get("cnmtbr0").index();
    MacAddress mac = MacAddress.parseUnicast("mac", "02:42:0a:00:00:02");

    nl.links().add(LinkSpec.of("cnmtv0", new Veth("eth0", mac, 1450, sandbox.fd()))
        .withMaster(br).withMtu(1450).withUp(true));

    assertThat(nl.links().get("cnmtv0").masterIndex()).isEqualTo(br);
    assertThat(nl.links().find("eth0")).isEmpty();
    Link eth0 = sb.links().get("eth0");
    assertThat(eth0.mac()).isEqualTo(mac);
    assertThat(eth0.mtu()).isEqualTo(1450);
    assertThat(eth0.isUp()).isFalse();
    sb.links().setUp("eth0");
    assertThat(sb.links().get("eth0").isUp()).isTrue();
  }

  @Test
  void addresses_addListReplaceDelete_v4AndV6() {
    upVeth("cnmtd0");
    int idx = nl.links().get("cnmtd0").index();
    IpPrefix v4 = IpPrefix.parse("a", "10.77.0.1/24");
    IpPrefix v6 = IpPrefix.parse("a", "fd77::1/64");

    nl.addresses().add(idx, v4);
    nl.addresses().add(idx, v6);
    nl.addresses().replace(idx, v4);

    assertThat(nl.addresses().list(idx, RtnetlinkH.AF_UNSPEC)).extracting(Address::prefix).contains(v4, v6);
    assertThatThrownBy(() -> nl.addresses().add(idx, v4)).isInstanceOf(AlreadyExistsException.class);
    nl.addresses().delete(idx, v4);
    assertThat(nl.addresses().list(idx, RtnetlinkH.AF_INET)).extracting(Address::prefix).doesNotContain(v4);
    assertThatThrownBy(() -> nl.addresses().delete(idx, v4)).isInstanceOf(NotFoundException.class);
  }

  @Test
  void routes_defaultViaGatewayAndPrefixRoute_addReplaceListDelete() {
    upVeth("cnmtd0");
    int idx = nl.links().get("cnmtd0").index();
    nl.addresses().add(idx, IpPrefix.parse("a", "10.78.0.2/24"));
    InetAddress gw = IpPrefix.parseAddress("gw", "10.78.0.1");

    nl.routes().add(Route.defaultVia(gw, idx));
    nl.routes().replaceDefault(gw, idx);
    nl.routes().add(Route.to(IpPrefix.parse("d", "10.99.0.0/16"), gw, idx));

    assertThat(nl.routes().list(RtnetlinkH.AF_INET)).anySatisfy(r -> {
      assertThat(r.isDefault()).isTrue();
      assertThat(r.gateway()).isEqualTo(gw);
    });
    assertThat(KernelFixture.exec(host, "ip", "route").output()).contains("default via 10.78.0.1", "10.99.0.0/16 via 10.78.0.1");
    nl.routes().delete(Route.to(IpPrefix.parse("d", "10.99.0.0/16"), gw, idx));
    assertThat(KernelFixture.exec(host, "ip", "route").output()).doesNotContain("10.99.0.0/16");
    assertThatThrownBy(() -> nl.routes().delete(Route.to(IpPrefix.parse("d", "10.99.0.0/16"), gw, idx)))
        .isInstanceOf(NotFoundException.class);
  }

  @Test
  void vxlan_withFdbAndNeighbourEntries_isProgrammedAsStaticPeers() {
    upVeth("cnmtd0");
    int under = nl.links().get("cnmtd0").index();
    nl.addresses().add(under, IpPrefix.parse("a", "192.0.2.1/24"));
    InetAddress local = IpPrefix.parseAddress("l", "192.0.2.1");

    nl.links().add(LinkSpec.of("cnmtvx0", Vxlan.overlay(4242, local, 4789)).withMtu(1450).withUp(true));
    int vx = nl.links().get("cnmtvx0").index();
    MacAddress peerMac = MacAddress.parseUnicast("m", "02:42:0a:01:00:05");
    InetAddress remote = IpPrefix.parseAddress("r", "192.0.2.7");
    nl.neighbours().appendFdb(FdbEntry.vxlanPeer(vx, peerMac, remote));
    nl.neighbours().replace(Neighbour.permanent(vx, IpPrefix.parseAddress("ip", "10.1.0.5"), peerMac));

    String details = KernelFixture.exec(host, "ip", "-d", "link", "show", "cnmtvx0").output();
    assertThat(details).contains("vxlan id 4242", "local 192.0.2.1", "dstport 4789", "nolearning");
    assertThat(nl.neighbours().listFdb(vx)).anySatisfy(e -> {
      assertThat(e.mac()).isEqualTo(peerMac);
      assertThat(e.destination()).isEqualTo(remote);
    });
    assertThat(nl.neighbours().list(RtnetlinkH.AF_INET, vx)).anySatisfy(n -> {
      assertThat(n.mac()).isEqualTo(peerMac);
      assertThat(n.state()).isEqualTo(NeighbourH.NUD_PERMANENT);
    });
    nl.neighbours().deleteFdb(FdbEntry.vxlanPeer(vx, peerMac, remote));
    nl.neighbours().delete(Neighbour.permanent(vx, IpPrefix.parseAddress("ip", "10.1.0.5"), peerMac));
    assertThat(nl.neighbours().listFdb(vx)).noneMatch(e -> peerMac.equals(e.mac()));
  }

  @Test
  void macvlan_onVethParent_isCreatedWithItsKindModeAndParent() {
    upVeth("cnmtd0");
    int parent = nl.links().get("cnmtd0").index();

    nl.links().add(LinkSpec.of("cnmtmv0", new Macvlan(parent, Macvlan.Mode.BRIDGE)));

    assertThat(nl.links().get("cnmtmv0").kind()).isEqualTo("macvlan");
    assertThat(nl.links().get("cnmtmv0").parentIndex()).isEqualTo(parent);
    assertThat(KernelFixture.exec(host, "ip", "-d", "link", "show", "cnmtmv0").output()).contains("macvlan mode bridge");
  }

  /** A veth pair NAME / NAMEp, both up (this kernel has no dummy driver; a veth has carrier). */
  private void upVeth(String name) {
    nl.links().add(LinkSpec.of(name, Veth.peer(name + "p")).withUp(true));
    nl.links().setUp(name + "p");
  }

  @Test
  void list_dumpSpanningManyDatagrams_returnsEveryLink() {
    int n = 250;
    for (int i = 0; i < n; i++) {
      nl.links().add(LinkSpec.of("cnmtm" + i, new Bridge()).withAlias("cnm:" + "x".repeat(200) + i));
    }

    List<Link> all = nl.links().list();

    // each RTM_NEWLINK of a bridge is over 1 KiB, so 250 of them need several 32 KiB datagrams
    assertThat(all).hasSize(n + 1);
    assertThat(all).filteredOn(l -> l.alias().endsWith("x" + (n - 1))).hasSize(1);
  }

  @Test
  void oneHandle_usedFromSeveralThreadsAtOnce_answersEachRequestToItsCaller() throws Exception {
    int threads = 4;
    int perThread = 25;
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
    try {
      java.util.List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        done.add(pool.submit(() -> {
          for (int i = 0; i < perThread; i++) {
            String name = "cnmtc" + id + "x" + i;
            nl.links().add(LinkSpec.of(name, new Bridge()).withMtu(1300 + i));
            assertThat(nl.links().get(name).mtu()).isEqualTo(1300 + i);
            nl.links().delete(name);
          }
          return null;
        }));
      }
      for (java.util.concurrent.Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(nl.links().list()).extracting(Link::name).containsExactly("lo");
  }

  @Test
  void addLink_nameTaken_throwsAlreadyExistsNamingTheOperation() {
    nl.links().add(LinkSpec.of("cnmtd0", new Bridge()));

    assertThatThrownBy(() -> nl.links().add(LinkSpec.of("cnmtd0", new Bridge())))
        .isInstanceOf(AlreadyExistsException.class)
        .hasMessageContaining("ip link add cnmtd0")
        .hasMessageContaining("EEXIST")
        .satisfies(e -> assertThat(((AlreadyExistsException) e).kind()).isEqualTo(ErrorKind.ALREADY_EXISTS));
  }

  @Test
  void deleteLink_absent_throwsNoSuchDevice() {
    assertThatThrownBy(() -> nl.links().delete("cnmtnone"))
        .isInstanceOf(NoSuchDeviceException.class)
        .hasMessageContaining("ip link del cnmtnone")
        .hasMessageContaining("ENODEV");
    assertThatThrownBy(() -> nl.links().get("cnmtnone")).isInstanceOf(NoSuchDeviceException.class);
  }

  @Test
  void addLink_withoutCapNetAdmin_throwsPermissionDenied() {
    Throwable thrown = DropCapability.runWithout(DropCapability.CAP_NET_ADMIN,
        () -> nl.links().add(LinkSpec.of("cnmtd9", new Bridge())));

    assertThat(thrown).isInstanceOf(PermissionDeniedException.class)
        .hasMessageContaining("ip link add cnmtd9")
        .hasMessageContaining("EPERM");
    assertThat(((PermissionDeniedException) thrown).kind()).isEqualTo(ErrorKind.PERMISSION_DENIED);
    assertThat(nl.links().find("cnmtd9")).isEmpty();
  }
}
