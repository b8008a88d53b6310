package dev.cnm.agent.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cnm.agent.netlink.NetlinkHandle;
import dev.cnm.agent.netlink.link.Bridge;
import dev.cnm.agent.netlink.link.Link;
import dev.cnm.agent.netlink.link.LinkSpec;
import dev.cnm.agent.netns.NetNamespace;
import dev.cnm.agent.testsupport.KernelFixture;
import dev.cnm.runtime.net.IpPrefix;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Detach from a live sandbox: the sandbox end is taken out of service at once and the veth is
 * deleted in the background. Real kernel; the "host" is a namespace of the test's own.
 */
class AsyncDetachIT {
  private static final NetworkSpec NET = new NetworkSpec("net1", "cnmtbr0", 1500,
      IpPrefix.parse("gw", "10.123.0.1/24"), IpPrefix.parse("gw6", "fd12:3::1/64"));
  private static final Duration REAPED_WITHIN = Duration.ofSeconds(2);

  @RegisterExtension
  final DataplaneHost kernel = new DataplaneHost();
  private KernelBridgeDataplane dp;

  @BeforeEach
  void setUp() {
    dp = kernel.open();
    dp.ensureNetwork(NET);
  }

  private static EndpointSpec endpoint(String id, String ifName, int host4) {
    return new EndpointSpec(id, "net1", "cnmtsb1", ifName, null, IpPrefix.parse("ip", "10.123.0." + host4 + "/24"),
        IpPrefix.parse("ip6", "fd12:3::" + host4 + "/64"), null);
  }

  private NetNamespace sandboxNs() {
    return kernel.sandboxNs("cnmtsb1");
  }

  private NetlinkHandle sandboxNl() {
    return kernel.fx().handle(sandboxNs());
  }

  private List<String> vethsOnHost() {
    return kernel.hostNl().links().list().stream().filter(l -> l.kind().equals("veth")).map(Link::name).toList();
  }

  private static List<String> linkNames(NetlinkHandle nl) {
    return nl.links().list().stream().map(Link::name).toList();
  }

  private void assertPingsGateway() {
    KernelFixture.Exec ping = KernelFixture.exec(sandboxNs(), "ping", "-c", "1", "-W", "2",
        "10.123.0.1");
    assertThat(ping.code()).as(ping.output()).isZero();
  }

  @Test
  void detachEndpoint_liveSandbox_takesItsInterfaceOutAtOnceAndDeletesThePairSoonAfter() {
    dp.createSandbox("cnmtsb1");
    EndpointState ep = dp.attachEndpoint(endpoint("ep1", "eth0", 2));
    NetlinkHandle in = sandboxNl();

    dp.detachEndpoint("ep1");

    assertThat(in.links().find("eth0")).isEmpty();
    String upAddrs = KernelFixture.exec(sandboxNs(), "ip", "-o", "addr", "show", "up").output();
    assertThat(upAddrs).doesNotContain("10.123.0.2").doesNotContain("fd12:3::2");
    assertThat(dp.endpoint("ep1")).isEmpty();
    await().atMost(REAPED_WITHIN).pollInterval(Duration.ofMillis(10)).untilAsserted(() -> {
      assertThat(kernel.hostNl().links().find(ep.hostIfName())).isEmpty();
      assertThat(linkNames(in)).containsExactly("lo");
    });
  }

  @Test
  void attachEndpoint_otherEndpointAsEth0WithTheSameAddressRightAfterDetach_carriesTraffic() {
    dp.createSandbox("cnmtsb1");
    dp.attachEndpoint(endpoint("ep1", "eth0", 2));
    NetlinkHandle in = sandboxNl();

    dp.detachEndpoint("ep1");
    EndpointState next = dp.attachEndpoint(endpoint("ep2", "eth0", 2));

    assertThat(next.ifName()).isEqualTo("eth0");
    assertPingsGateway();
    // the old interface held the same IPv4 address: its deletion must not take the new one's routes
    await().atMost(REAPED_WITHIN).pollInterval(Duration.ofMillis(10))
        .untilAsserted(() -> assertThat(linkNames(in)).containsExactlyInAnyOrder("lo", "eth0"));
    assertThat(vethsOnHost()).containsExactly(next.hostIfName());
    assertPingsGateway();
  }

  @Test
  void attachEndpoint_sameEndpointRightAfterDetach_succeedsAndTheReaperLeavesTheNewVethAlone() {
    dp.createSandbox("cnmtsb1");
    EndpointSpec spec = endpoint("ep1", "eth0", 2);
    dp.attachEndpoint(spec);
    for (int round = 0; round < 3; round++) {
      dp.detachEndpoint("ep1");
      dp.attachEndpoint(spec);
    }

    await().atMost(REAPED_WITHIN).pollInterval(Duration.ofMillis(10)).until(() -> dp.reaper().idle());
    Link hostEnd = kernel.hostNl().links().get(spec.hostIfName());
    assertThat(hostEnd.alias()).isEqualTo("cnm:ep1");
    assertThat(linkNames(sandboxNl())).containsExactlyInAnyOrder("lo", "eth0");
    assertPingsGateway();
  }

  @Test
  void reconcile_afterCloseWithDeletionsQueued_leavesNothingOfTheDetachedEndpoints() {
    dp.createSandbox("cnmtsb1");
    for (int i = 0; i < 3; i++) {
      dp.attachEndpoint(endpoint("ep" + i, "eth" + i, 2 + i));
    }
    // ep0 last: its veth is the likeliest still queued when the dataplane closes
    for (int i = 2; i >= 0; i--) {
      dp.detachEndpoint("ep" + i);
    }
    dp.close();

    KernelBridgeDataplane restarted = kernel.open();
    EndpointSpec again = endpoint("ep0", "eth0", 2);
    ReconcileReport report = restarted.reconcile(new DesiredState(List.of(NET), List.of(SandboxSpec.owned("cnmtsb1")),
        List.of(again)));

    assertThat(report.failed()).isEmpty();
    assertThat(vethsOnHost()).containsExactly(again.hostIfName());
    assertThat(linkNames(sandboxNl())).containsExactlyInAnyOrder("lo", "eth0");
    assertPingsGateway();
    assertThat(restarted.reconcile(DesiredState.empty()).failed()).isEmpty();
    await().atMost(REAPED_WITHIN).pollInterval(Duration.ofMillis(10))
        .untilAsserted(() -> assertThat(vethsOnHost()).isEmpty());
  }

  @Test
  void detachEndpoint_sandboxEndCannotBeRenamed_deletesTheVethAtOnce() {
    dp.createSandbox("cnmtsb1");
    EndpointState ep = dp.attachEndpoint(endpoint("ep1", "eth0", 2));
    NetlinkHandle in = sandboxNl();
    String retiredName = KernelBridgeDataplane.RETIRED_PREFIX + kernel.hostNl().links().get(ep.hostIfName()).index();
    in.links().add(LinkSpec.of(retiredName, new Bridge()));

    dp.detachEndpoint("ep1");

    assertThat(kernel.hostNl().links().find(ep.hostIfName())).isEmpty();
    assertThat(linkNames(in)).containsExactlyInAnyOrder("lo", retiredName);
    assertThat(in.links().get(retiredName).kind()).isEqualTo("bridge");
  }
}
