package dev.cnm.agent.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cnm.agent.netlink.MacAddress;
import dev.cnm.agent.netlink.NetlinkHandle;
import dev.cnm.agent.netlink.link.Bridge;
import dev.cnm.agent.netlink.link.Link;
import dev.cnm.agent.netlink.link.LinkSpec;
import dev.cnm.agent.netlink.link.Veth;
import dev.cnm.agent.netlink.link.Vxlan;
import dev.cnm.agent.netns.Namespaces;
import dev.cnm.agent.netns.NetNamespace;
import dev.cnm.agent.testsupport.KernelFixture;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.runtime.net.IpPrefix;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The bridge driver's data half on the real kernel; the "host" is a namespace of the test's own. */
class BridgeDataplaneIT {
  private static final NetworkSpec NET = new NetworkSpec("net1", "cnmtbr0", 1500,
      IpPrefix.parse("gw", "10.123.0.1/24"), IpPrefix.parse("gw6", "fd12:3::1/64"));

  @RegisterExtension
  final DataplaneHost kernel = new DataplaneHost();
  private BridgeDataplane dp;

  @BeforeEach
  void setUp() {
    dp = kernel.open();
  }

  private static EndpointSpec endpoint(String id, String sandbox, int host4) {
    return EndpointSpec.of(id, "net1", sandbox, IpPrefix.parse("ip", "10.123.0." + host4 + "/24"),
        IpPrefix.parse("ip6", "fd12:3::" + host4 + "/64"));
  }

  @Test
  void twoSandboxesOnOneBridge_pingEachOtherOverIpv4AndIpv6() {
    dp.ensureNetwork(NET);
    dp.createSandbox("cnmtsb1");
    dp.createSandbox("cnmtsb2");

    EndpointState a = dp.attachEndpoint(endpoint("ep1", "cnmtsb1", 2));
    EndpointState b = dp.attachEndpoint(endpoint("ep2", "cnmtsb2", 3));

    assertThat(a.ifName()).isEqualTo("eth0");
    assertThat(a.mac()).isEqualTo(MacAddress.parse("m", "02:42:0a:7b:00:02"));
    assertThat(b.addresses()).containsExactly(IpPrefix.parse("a", "10.123.0.3/24"), IpPrefix.parse("a", "fd12:3::3/64"));
    NetNamespace sb1 = kernel.sandboxNs("cnmtsb1");
    KernelFixture.Exec v4 = KernelFixture.exec(sb1, "ping", "-c", "2", "-i", "0.2", "-W", "2", "10.123.0.3");
    assertThat(v4.code()).as(v4.output()).isZero();
    KernelFixture.Exec v6 = KernelFixture.exec(sb1, "ping", "-6", "-c", "2", "-i", "0.2", "-W", "2", "fd12:3::3");
    assertThat(v6.code()).as(v6.output()).isZero();
    KernelFixture.Exec gw = KernelFixture.exec(sb1, "ping", "-c", "1", "-W", "2", "10.123.0.1");
    assertThat(gw.code()).as(gw.output()).isZero();
    assertThat(KernelFixture.exec(sb1, "ip", "route").output()).contains("default via 10.123.0.1 dev eth0");
    Link hostEnd = kernel.hostNl().links().get(a.hostIfName());
    assertThat(hostEnd.alias()).isEqualTo("cnm:ep1");
    assertThat(hostEnd.masterIndex()).isEqualTo(kernel.hostNl().links().get("cnmtbr0").index());
  }

  @Test
  void attachEndpoint_ipv4Only_neitherEndGetsAnIpv6LinkLocalButAnIpv6EndpointDoes() {
    dp.ensureNetwork(NET);
    dp.createSandbox("cnmtsb1");
    dp.createSandbox("cnmtsb2");

    EndpointState v4only = dp.attachEndpoint(EndpointSpec.of("ep1", "net1", "cnmtsb1",
        IpPrefix.parse("ip", "10.123.0.2/24"), null));
    EndpointState dual = dp.attachEndpoint(endpoint("ep2", "cnmtsb2", 3));

    // a link-local is added (tentative) the moment a link comes up with the default mode
    assertThat(KernelFixture.exec(kernel.sandboxNs("cnmtsb1"), "ip", "-6", "addr", "show", "dev", "eth0").output())
        .doesNotContain("inet6");
    assertThat(KernelFixture.exec(kernel.sandboxNs("cnmtsb1"), "ip", "-d", "link", "show", "eth0").output())
        .contains("addrgenmode none").contains("state UP");
    for (EndpointState e : List.of(v4only, dual)) {
      assertThat(KernelFixture.exec(kernel.host(), "ip", "-6", "addr", "show", "dev", e.hostIfName()).output())
          .as("host end %s is a bridge port and needs no IPv6 address", e.hostIfName()).doesNotContain("inet6");
    }
    assertThat(KernelFixture.exec(kernel.sandboxNs("cnmtsb2"), "ip", "-6", "addr", "show", "dev", "eth0").output())
        .contains("inet6 fe80:").contains("inet6 fd12:3::3/64");
    KernelFixture.Exec ping = KernelFixture.exec(kernel.sandboxNs("cnmtsb1"), "ping", "-c", "1", "-W", "2", "10.123.0.3");
    assertThat(ping.code()).as(ping.output()).isZero();
  }

  @Test
  void attachEndpoint_twice_isIdempotentAndDetachRemovesTheVeth() {
    dp.ensureNetwork(NET);
    assertThat(dp.ensureNetwork(NET)).isFalse();
    dp.createSandbox("cnmtsb1");
    EndpointState first = dp.attachEndpoint(endpoint("ep1", "cnmtsb1", 2));

    assertThat(dp.attachEndpoint(endpoint("ep1", "cnmtsb1", 2))).isEqualTo(first);
    dp.detachEndpoint("ep1");
    dp.detachEndpoint("ep1");

    assertThat(KernelFixture.exec(kernel.sandboxNs("cnmtsb1"), "ip", "-o", "link").output()).doesNotContain("eth0");
    assertThat(dp.endpoint("ep1")).isEmpty();
    // the veth itself is deleted in the background (see AsyncDetachIT)
    awaitGone(first.hostIfName());
  }

  @Test
  void deleteSandbox_owned_removesNamespaceAndItsEndpoint() {
    dp.ensureNetwork(NET);
    SandboxState sb = dp.createSandbox("cnmtsb1");
    EndpointState ep = dp.attachEndpoint(endpoint("ep1", "cnmtsb1", 2));

    dp.deleteSandbox("cnmtsb1");
    dp.deleteSandbox("cnmtsb1");

    assertThat(Files.exists(sb.namespacePath())).isFalse();
    assertThat(dp.endpoint("ep1")).isEmpty();
    // the kernel removes the host end when it tears the namespace down (asynchronously)
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (kernel.hostNl().links().find(ep.hostIfName()).isPresent() && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(kernel.hostNl().links().find(ep.hostIfName())).isEmpty();
    dp.removeNetwork("net1");
    assertThat(kernel.hostNl().links().find("cnmtbr0")).isEmpty();
  }

  @Test
  void attachEndpoint_sameEndpointIntoNewSandboxRightAfterDelete_succeeds() {
    dp.ensureNetwork(NET);
    for (int round = 0; round < 3; round++) {
      dp.createSandbox("cnmtsb" + round);
      dp.attachEndpoint(endpoint("ep1", "cnmtsb" + round, 2));
      dp.deleteSandbox("cnmtsb" + round);
    }
    dp.createSandbox("cnmtsbz");

    EndpointState again = dp.attachEndpoint(endpoint("ep1", "cnmtsbz", 2));

    assertThat(kernel.hostNl().links().get(again.hostIfName()).alias()).isEqualTo("cnm:ep1");
    KernelFixture.Exec gw = KernelFixture.exec(kernel.sandboxNs("cnmtsbz"), "ping", "-c", "1", "-W", "2", "10.123.0.1");
    assertThat(gw.code()).as(gw.output()).isZero();
  }

  @Test
  void externalSandbox_isConfiguredButNeverDeleted() throws Exception {
    Path runtimeDir = Files.createTempDirectory("cnmt-runtime");
    Namespaces runtime = new Namespaces(runtimeDir);
    NetNamespace made = kernel.fx().closeLater(runtime.create("cnmtext"));
    kernel.fx().closeLater(() -> {
      runtime.delete("cnmtext");
      Files.deleteIfExists(runtimeDir.resolve("netns"));
      Files.deleteIfExists(runtimeDir);
    });
    dp.ensureNetwork(NET);

    SandboxState sb = dp.useExternalSandbox("cnmtsbx", made.path());
    dp.attachEndpoint(endpoint("ep1", "cnmtsbx", 2));
    assertThat(KernelFixture.exec(made, "ip", "-o", "addr").output()).contains("10.123.0.2/24");
    dp.deleteSandbox("cnmtsbx");

    assertThat(sb.owned()).isFalse();
    assertThat(Files.exists(made.path())).isTrue();
    assertThat(KernelFixture.exec(made, "ip", "-o", "link").output()).doesNotContain("eth0");
    awaitGone("cnmep1");
    assertThat(KernelFixture.exec(made, "ip", "-o", "link").output()).doesNotContain("cnmgc");
  }

  private void awaitGone(String hostIfName) {
    long deadline = System.nanoTime() + 2_000_000_000L;
    while (kernel.hostNl().links().find(hostIfName).isPresent() && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(kernel.hostNl().links().find(hostIfName)).isEmpty();
  }

  @Test
  void reconcile_removesStrayOwnedLinkAndLeavesForeignOneAlone() {
    dp.ensureNetwork(NET);
    kernel.hostNl().links().add(LinkSpec.of("cnmtstray", Veth.peer("cnmtstrayp")).withAlias("cnm:gone-endpoint"));
    kernel.hostNl().links().add(LinkSpec.of("cnmtforeign", new Bridge()).withAlias("someone-else"));
    kernel.hostNl().links().add(LinkSpec.of("cnmtplain", Veth.peer("cnmtplainp")));
    kernel.hostNl().links().add(LinkSpec.of("cnmtvx", Vxlan.overlay(77, null, 4789)).withAlias("cnm:other-driver"));
    DesiredState desired = new DesiredState(List.of(NET), List.of(SandboxSpec.owned("cnmtsb1")),
        List.of(endpoint("ep1", "cnmtsb1", 2)));

    ReconcileReport report = dp.reconcile(desired);

    assertThat(report.failed()).isEmpty();
    assertThat(report.removed()).containsExactly("link/cnmtstray");
    assertThat(report.created()).containsExactly("sandbox/cnmtsb1", "endpoint/ep1");
    assertThat(kernel.hostNl().links().find("cnmtstray")).isEmpty();
    assertThat(kernel.hostNl().links().find("cnmtforeign")).isPresent();
    assertThat(kernel.hostNl().links().find("cnmtplain")).isPresent();
    assertThat(kernel.hostNl().links().find("cnmtvx")).isPresent();
    assertThat(dp.reconcile(desired).converged()).isTrue();
  }

  @Test
  void reconcile_afterAgentRestart_adoptsWhatTheKernelHoldsAndRepairsDrift() {
    DesiredState desired = new DesiredState(List.of(NET), List.of(SandboxSpec.owned("cnmtsb1")),
        List.of(endpoint("ep1", "cnmtsb1", 2)));
    dp.reconcile(desired);
    dp.close();
    kernel.hostNl().links().setDown("cnmtbr0");

    BridgeDataplane restarted = kernel.open();
    ReconcileReport report = restarted.reconcile(desired);

    assertThat(report.failed()).isEmpty();
    assertThat(report.created()).isEmpty();
    assertThat(report.removed()).isEmpty();
    assertThat(report.drift()).containsExactly("network/net1");
    assertThat(kernel.hostNl().links().get("cnmtbr0").isUp()).isTrue();
    assertThat(restarted.endpoint("ep1")).isPresent();
    assertThat(restarted.reconcile(DesiredState.empty()).removed())
        .contains("endpoint/ep1", "sandbox/cnmtsb1", "network/net1");
    assertThat(kernel.fx().agentNamespaces.exists("cnmtsb1")).isFalse();
  }

  @Test
  void reconcile_repairsMtuAndMissingAddressDrift() {
    DesiredState desired = new DesiredState(List.of(NET), List.of(SandboxSpec.owned("cnmtsb1")),
        List.of(endpoint("ep1", "cnmtsb1", 2)));
    dp.reconcile(desired);
    kernel.hostNl().links().setMtu("cnmtbr0", 1400);
    int bridge = kernel.hostNl().links().get("cnmtbr0").index();
    kernel.hostNl().addresses().delete(bridge, NET.gatewayV4());
    dp.close();
    NetNamespace sb = kernel.sandboxNs("cnmtsb1");
    NetlinkHandle in = kernel.fx().handle(sb);
    in.addresses().delete(in.links().get("eth0").index(), IpPrefix.parse("a", "10.123.0.2/24"));

    ReconcileReport report = kernel.open().reconcile(desired);

    assertThat(report.failed()).isEmpty();
    assertThat(report.drift()).containsExactly("network/net1", "endpoint/ep1");
    assertThat(kernel.hostNl().links().get("cnmtbr0").mtu()).isEqualTo(1500);
    assertThat(KernelFixture.exec(kernel.host(), "ip", "-o", "addr", "show", "cnmtbr0").output()).contains("10.123.0.1/24");
    assertThat(KernelFixture.exec(sb, "ip", "-o", "addr", "show", "eth0").output()).contains("10.123.0.2/24");
    assertThat(KernelFixture.exec(sb, "ip", "route").output()).contains("default via 10.123.0.1 dev eth0");
    KernelFixture.Exec ping = KernelFixture.exec(sb, "ping", "-c", "1", "-W", "2", "10.123.0.1");
    assertThat(ping.code()).as(ping.output()).isZero();
  }

  @Test
  void createSandbox_staleNamespaceFileAfterReboot_isReplacedByALiveNamespace() throws Exception {
    Path stale = Files.createFile(kernel.fx().agentNamespaces.directory().resolve("cnmtstale"));

    SandboxState sb = dp.createSandbox("cnmtstale");

    assertThat(sb.namespacePath()).isEqualTo(stale);
    KernelFixture.Exec links = KernelFixture.exec(kernel.sandboxNs("cnmtstale"), "ip", "-o", "link");
    assertThat(links.code()).as(links.output()).isZero();
    assertThat(links.output()).contains("lo:");
  }

  @Test
  void ensureNetwork_nameTakenByForeignLink_failsWithoutTakingItOver() {
    kernel.hostNl().links().add(LinkSpec.of("cnmtbr0", new Bridge()).withAlias("docker"));

    assertThatThrownBy(() -> dp.ensureNetwork(NET))
        .isInstanceOfSatisfying(CnmException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION))
        .hasMessageContaining("cnmtbr0");
    assertThat(kernel.hostNl().links().get("cnmtbr0").alias()).isEqualTo("docker");
  }

  @Test
  void attachEndpoint_defaultRouteChosenByController_goesViaThatEndpointNotEth0() {
    NetworkSpec net2 = new NetworkSpec("net2", "cnmtbr1", 1500, IpPrefix.parse("gw", "10.124.0.1/24"), null);
    dp.ensureNetwork(NET);
    dp.ensureNetwork(net2);
    dp.createSandbox("cnmtsb1");

    dp.attachEndpoint(new EndpointSpec("ep1", "net1", "cnmtsb1", "eth0", null, IpPrefix.parse("ip", "10.123.0.2/24"),
        null, null, false));
    dp.attachEndpoint(new EndpointSpec("ep2", "net2", "cnmtsb1", "eth1", null, IpPrefix.parse("ip", "10.124.0.2/24"),
        null, null, true));

    String routes = KernelFixture.exec(kernel.sandboxNs("cnmtsb1"), "ip", "route").output();
    assertThat(routes).contains("default via 10.124.0.1 dev eth1").doesNotContain("default via 10.123.0.1");
  }

  @Test
  void createSandbox_manyInARow_eachGetsItsOwnLiveNamespaceWithLoopbackUp() {
    // the first ones come from spare namespaces made in the background, later ones too once refilled
    for (int i = 0; i < 5; i++) {
      SandboxState sb = dp.createSandbox("cnmtmany" + i);
      assertThat(sb.namespacePath()).isEqualTo(kernel.fx().agentNamespaces.directory().resolve("cnmtmany" + i));
      assertThat(KernelFixture.exec(kernel.sandboxNs("cnmtmany" + i), "ip", "-o", "link", "show", "lo").output())
          .contains("UP");
    }
    long distinct = java.util.stream.IntStream.range(0, 5)
        .mapToObj(i -> KernelFixture.exec(kernel.sandboxNs("cnmtmany" + i), "readlink", "/proc/self/ns/net").output())
        .distinct().count();
    assertThat(distinct).isEqualTo(5);
    dp.deleteSandbox("cnmtmany0");
    assertThat(Files.exists(kernel.fx().agentNamespaces.directory().resolve("cnmtmany0"))).isFalse();
  }

  @Test
  void badInput_isRejectedBeforeAnyKernelChange() {
    dp.ensureNetwork(NET);
    dp.createSandbox("cnmtsb1");
    List<String> before = kernel.hostNl().links().list().stream().map(Link::name).toList();

    assertThatThrownBy(() -> dp.useExternalSandbox("cnmtsbx", Path.of("/nonexistent/cnmt/ns")))
        .isInstanceOfSatisfying(CnmException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
        .hasMessageContaining("/nonexistent/cnmt/ns").hasMessageContaining("does not exist");
    assertThatThrownBy(() -> dp.useExternalSandbox("cnmtsbx", kernel.fx().agentStateDir))
        .hasMessageContaining("not a network namespace");
    assertThatThrownBy(() -> dp.attachEndpoint(new EndpointSpec("ep1", "net1", "cnmtsb1", "eth0", null,
        IpPrefix.parse("ip", "fd12:3::2/64"), null, null)))
        .hasMessageContaining("ipv4").hasMessageContaining("expected an IPv4 address");
    assertThatThrownBy(() -> dp.attachEndpoint(new EndpointSpec("ep1", "net1", "cnmtsb1", "eth0/1", null,
        null, null, null))).hasMessageContaining("ifName");
    assertThatThrownBy(() -> dp.attachEndpoint(new EndpointSpec("ep1", "net1", "cnmtsb1", "eth0",
        MacAddress.parse("mac", "01:00:5e:00:00:01"), null, null, null))).hasMessageContaining("multicast");
    assertThatThrownBy(() -> dp.attachEndpoint(endpoint("ep1", "cnmtnosuch", 2))).hasMessageContaining("cnmtnosuch");

    assertThat(kernel.hostNl().links().list().stream().map(Link::name).toList()).isEqualTo(before);
    assertThat(dp.sandboxes()).extracting(SandboxState::sandboxId).containsExactly("cnmtsb1");
  }
}
