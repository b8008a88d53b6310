package dev.cnm.agent.driver.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.agent.apply.DataplaneApplier;
import dev.cnm.agent.apply.SandboxFileWriter;
import dev.cnm.agent.dataplane.ReconcileReport;
import dev.cnm.agent.driver.DriverRegistry;
import dev.cnm.agent.firewall.NftFirewall;
import dev.cnm.agent.firewall.NftRunner;
import dev.cnm.agent.sandboxfiles.SandboxFiles;
import dev.cnm.api.v1.BridgeConfig;
import dev.cnm.api.v1.DesiredState;
import dev.cnm.api.v1.NodeEndpoint;
import dev.cnm.api.v1.NodeNetwork;
import dev.cnm.api.v1.NodeSandbox;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bridge network whose last endpoint on the node left keeps its bridge for a while: a Join
 * soon after costs no network work, and the bridge goes once the linger is over, when another
 * network needs its name or subnet, or on a full reconcile (the dataplane is a recording fake,
 * the clock a counter).
 */
class BridgeLingerTest {
  private static final Duration LINGER = Duration.ofSeconds(30);
  private static final String NET = "net1";

  @TempDir
  Path dir;
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private FakeBridgeDataplane dp;
  private BridgeDriver bridge;
  private long version;

  @BeforeEach
  void setUp() {
    dp = new FakeBridgeDataplane();
    bridge = new BridgeDriver(dp, null, LINGER, nanos::get);
    bridge.sessionStarted();
    apply(joined(network(NET, "cnmt-br0", "10.9.0.0/24", 0)));
    assertThat(dp.calls).containsExactly("reconcile");
    dp.calls.clear();
  }

  private static NodeNetwork network(String id, String bridgeName, String subnet, int mtu) {
    String gateway = subnet.substring(0, subnet.lastIndexOf('.')) + ".1";
    return NodeNetwork.newBuilder().setId(id).setName("n-" + id).setDriver("bridge").setSubnetIpv4(subnet)
        .setGatewayIpv4(gateway).setMtu(mtu).setBridge(BridgeConfig.newBuilder().setBridgeName(bridgeName)
            .setEnableIcc(true)).build();
  }

  /** Sandbox sb0 with endpoint ep0 joined to {@code n}. */
  private DesiredState joined(NodeNetwork n) {
    String prefix = n.getSubnetIpv4().substring(0, n.getSubnetIpv4().lastIndexOf('.'));
    return idle().toBuilder().addNetworks(n).addEndpoints(NodeEndpoint.newBuilder().setId("ep0").setName("e0")
        .setNetworkId(n.getId()).setSandboxId("sb0").setInterfaceName("eth0").setIpv4Address(prefix + ".2/24"))
        .build();
  }

  /** Sandbox sb0 without endpoints: the controller then sends no network. */
  private DesiredState idle() {
    return DesiredState.newBuilder().setNode("node1").setVersion(++version)
        .addSandboxes(NodeSandbox.newBuilder().setId("sb0").setHostname("c0")).build();
  }

  private ReconcileReport apply(DesiredState s) {
    bridge.prepare(s);
    return bridge.apply(s, Map.of());
  }

  private void advance(Duration d) {
    nanos.addAndGet(d.toNanos());
  }

  @Test
  void apply_lastEndpointLeaves_bridgeLingers() {
    ReconcileReport r = apply(idle());

    assertThat(dp.calls).containsExactly("detach ep0");
    assertThat(r.failed()).isEmpty();
    assertThat(dp.networks).containsKey(NET);
    assertThat(bridge.lingeringIds()).containsExactly(NET);
  }

  @Test
  void apply_networkBackWithSameSpec_attachesWithoutNetworkWork() {
    apply(idle());
    dp.calls.clear();

    apply(joined(network(NET, "cnmt-br0", "10.9.0.0/24", 0)));

    assertThat(dp.calls).containsExactly("attach ep0");
    assertThat(bridge.lingeringIds()).isEmpty();
  }

  @Test
  void apply_networkBackWithChangedSpec_makesTheBridgeAgain() {
    apply(idle());
    dp.calls.clear();

    apply(joined(network(NET, "cnmt-br0", "10.9.0.0/24", 1400)));

    assertThat(dp.calls).containsExactly("removeNetwork " + NET, "network " + NET, "attach ep0");
    assertThat(dp.networks.get(NET).mtu()).isEqualTo(1400);
    assertThat(bridge.lingeringIds()).isEmpty();
  }

  @Test
  void apply_lingerOver_nextApplyRemovesTheBridge() {
    apply(idle());
    advance(LINGER.minusMillis(1));
    apply(idle());
    assertThat(dp.calls).containsExactly("detach ep0");
    assertThat(dp.networks).containsKey(NET);

    advance(Duration.ofMillis(1));
    apply(idle());

    assertThat(dp.calls).containsExactly("detach ep0", "removeNetwork " + NET);
    assertThat(dp.networks).doesNotContainKey(NET);
    assertThat(bridge.lingeringIds()).isEmpty();
  }

  @Test
  void apply_networkBackAfterExpiry_isMadeAgain() {
    apply(idle());
    advance(LINGER);
    apply(idle());
    dp.calls.clear();

    apply(joined(network(NET, "cnmt-br0", "10.9.0.0/24", 0)));

    assertThat(dp.calls).containsExactly("network " + NET, "attach ep0");
  }

  @Test
  void apply_fullReconcileAfterNewSession_removesTheLingeringBridgeAndForgetsIt() {
    apply(idle());
    bridge.sessionStarted();
    dp.calls.clear();

    apply(idle());
    assertThat(dp.calls).containsExactly("reconcile");
    assertThat(dp.networks).isEmpty();
    assertThat(bridge.lingeringIds()).isEmpty();

    // not mistaken for a lingering network: the reconcile removed its bridge, so it is made again
    apply(joined(network(NET, "cnmt-br0", "10.9.0.0/24", 0)));
    assertThat(dp.calls).containsExactly("reconcile", "network " + NET, "attach ep0");
  }

  @Test
  void apply_fullReconcileAfterAFailure_removesTheLingeringBridge() {
    apply(idle());
    dp.failNextAttach.add("ep9");
    DesiredState failing = idle().toBuilder().addNetworks(network("net9", "cnmt-br9", "10.8.0.0/24", 0))
        .addEndpoints(NodeEndpoint.newBuilder().setId("ep9").setName("e9").setNetworkId("net9").setSandboxId("sb0")
            .setInterfaceName("eth1").setIpv4Address("10.8.0.2/24")).build();
    assertThat(apply(failing).failed()).containsOnlyKeys("endpoint/ep9");
    dp.calls.clear();

    apply(idle());

    assertThat(dp.calls).containsExactly("reconcile");
    assertThat(dp.networks).isEmpty();
    assertThat(bridge.lingeringIds()).isEmpty();
  }

  @Test
  void apply_newNetworkOnTheLingeringSubnet_removesTheLingeringBridgeFirst() {
    apply(idle());
    dp.calls.clear();

    apply(joined(network("net2", "cnmt-br2", "10.9.0.0/24", 0)));

    assertThat(dp.calls).containsExactly("removeNetwork " + NET, "network net2", "attach ep0");
    assertThat(dp.networks).containsOnlyKeys("net2");
    assertThat(bridge.lingeringIds()).isEmpty();
  }

  @Test
  void apply_newNetworkWithTheLingeringBridgeName_removesTheLingeringBridgeFirst() {
    apply(idle());
    dp.calls.clear();

    apply(joined(network("net2", "cnmt-br0", "10.7.0.0/24", 0)));

    assertThat(dp.calls).containsExactly("removeNetwork " + NET, "network net2", "attach ep0");
    assertThat(bridge.lingeringIds()).isEmpty();
  }

  @Test
  void apply_endpointMovesToANetworkOnTheSameSubnet_leavingBridgeRemovedNotLingering() {
    apply(joined(network("net2", "cnmt-br2", "10.9.0.0/24", 0)));

    assertThat(dp.calls).containsExactly("network net2", "detach ep0", "attach ep0", "removeNetwork " + NET);
    assertThat(bridge.lingeringIds()).isEmpty();
  }

  @Test
  void apply_otherNetworkLeaves_unrelatedLingeringBridgeStays() {
    apply(idle());
    dp.calls.clear();

    apply(joined(network("net2", "cnmt-br2", "10.7.0.0/24", 0)));

    assertThat(dp.calls).containsExactly("network net2", "attach ep0");
    assertThat(bridge.lingeringIds()).containsExactly(NET);
  }

  @Test
  void expireLingering_idleNodeAfterTheLinger_removesTheBridge() {
    apply(idle());
    dp.calls.clear();
    assertThat(bridge.expireLingering().removed()).isEmpty();

    advance(LINGER);
    ReconcileReport r = bridge.expireLingering();

    assertThat(r.removed()).containsExactly("network/" + NET);
    assertThat(dp.calls).containsExactly("removeNetwork " + NET);
    assertThat(bridge.lingeringIds()).isEmpty();
  }

  @Test
  void expireLingering_removalFails_nextSnapshotReconcilesFully() {
    dp.failNextRemove.add(NET);
    apply(idle());
    advance(LINGER);

    assertThat(bridge.expireLingering().failed()).containsOnlyKeys("network/" + NET);

    assertThat(bridge.full()).isTrue();
    dp.calls.clear();
    apply(idle());
    assertThat(dp.calls).containsExactly("reconcile");
  }

  @Test
  void apply_joinLeaveCycles_firewallWrittenOnce() throws IOException {
    List<String> scripts = new ArrayList<>();
    NftRunner nft = (args, stdin) -> {
      if (args.get(0).equals("-f")) {
        scripts.add(stdin);
      }
      return new NftRunner.NftResult(0, "table inet cnmt_l {\n}\n", "");
    };
    Path hostResolv = dir.resolve("host-resolv.conf");
    Files.writeString(hostResolv, "nameserver 192.0.2.53\n");
    DataplaneApplier applier = new DataplaneApplier(DriverRegistry.with(
        new BridgeDriver(new FakeBridgeDataplane(), null, LINGER, nanos::get)).build(),
        new NftFirewall(nft, "cnmt_l", new SimpleMeterRegistry()), null,
        new SandboxFileWriter(dir.resolve("state"), new SandboxFiles(hostResolv, new SimpleMeterRegistry())));
    applier.sessionStarted();
    NodeNetwork n = network(NET, "cnmt-br0", "10.9.0.0/24", 0);

    for (int i = 0; i < 3; i++) {
      applier.apply(joined(n));
      applier.apply(idle());
    }
    assertThat(scripts).singleElement().asString().contains("cnmt-br0");

    advance(LINGER);
    applier.apply(idle());
    assertThat(scripts).hasSize(2);
    assertThat(scripts.get(1)).doesNotContain("cnmt-br0");
  }

  @Test
  void applierIdle_afterTheLinger_removesTheBridgeAndRewritesTheFirewallWithoutIt() throws IOException {
    List<String> scripts = new ArrayList<>();
    NftRunner nft = (args, stdin) -> {
      if (args.get(0).equals("-f")) {
        scripts.add(stdin);
      }
      return new NftRunner.NftResult(0, "table inet cnmt_i {\n}\n", "");
    };
    Path hostResolv = dir.resolve("host-resolv.conf");
    Files.writeString(hostResolv, "nameserver 192.0.2.53\n");
    FakeBridgeDataplane fake = new FakeBridgeDataplane();
    DataplaneApplier applier = new DataplaneApplier(DriverRegistry.with(
        new BridgeDriver(fake, null, LINGER, nanos::get)).build(),
        new NftFirewall(nft, "cnmt_i", new SimpleMeterRegistry()), null,
        new SandboxFileWriter(dir.resolve("state"), new SandboxFiles(hostResolv, new SimpleMeterRegistry())));
    applier.sessionStarted();
    applier.apply(joined(network(NET, "cnmt-br0", "10.9.0.0/24", 0)));
    applier.apply(idle());
    applier.idle();
    assertThat(fake.networks).as("still lingering").containsKey(NET);
    assertThat(scripts).hasSize(1);

    advance(LINGER);
    applier.idle();

    assertThat(fake.networks).doesNotContainKey(NET);
    assertThat(scripts).hasSize(2);
    assertThat(scripts.get(1)).doesNotContain("cnmt-br0");
  }
}
