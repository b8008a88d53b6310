package dev.cnm.agent.driver.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cnm.agent.apply.DataplaneApplier;
import dev.cnm.agent.apply.SandboxFileWriter;
import dev.cnm.agent.driver.DriverRegistry;
import dev.cnm.agent.firewall.NftFirewall;
import dev.cnm.agent.firewall.NftRunner;
import dev.cnm.agent.netlink.MacAddress;
import dev.cnm.agent.sandboxfiles.SandboxFiles;
import dev.cnm.api.v1.BridgeConfig;
import dev.cnm.api.v1.DesiredState;
import dev.cnm.api.v1.NodeEndpoint;
import dev.cnm.api.v1.NodeNetwork;
import dev.cnm.api.v1.NodeSandbox;
import dev.cnm.api.v1.ObjectKind;
import dev.cnm.api.v1.ObjectStatus;
import dev.cnm.api.v1.PortBinding;
import dev.cnm.api.v1.Protocol;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The applier's per-object reuse of conversions: a snapshot that changes one endpoint converts and
 * applies that endpoint alone, and reuse never hides a change (the dataplane is a recording fake).
 */
class DataplaneApplierTest {
  private static final String NET = "net1";
  private static final int SANDBOXES = 5;

  @TempDir
  Path dir;
  private FakeBridgeDataplane dp;
  private BridgeDriver bridge;
  private DataplaneApplier applier;
  private DesiredState base;

  @BeforeEach
  void setUp() throws IOException {
    Path hostResolv = dir.resolve("host-resolv.conf");
    Files.writeString(hostResolv, "nameserver 192.0.2.53\n");
    dp = new FakeBridgeDataplane();
    bridge = new BridgeDriver(dp, null);
    applier = new DataplaneApplier(DriverRegistry.with(bridge).build(), null, null,
        new SandboxFileWriter(dir.resolve("state"), new SandboxFiles(hostResolv, new SimpleMeterRegistry())));
    DesiredState.Builder b = DesiredState.newBuilder().setNode("node1").setVersion(1)
        .addNetworks(NodeNetwork.newBuilder().setId(NET).setName("n").setDriver("bridge").setSubnetIpv4("10.9.0.0/24")
            .setGatewayIpv4("10.9.0.1").setBridge(BridgeConfig.newBuilder().setBridgeName("cnmt-br0")));
    for (int i = 0; i < SANDBOXES; i++) {
      b.addSandboxes(NodeSandbox.newBuilder().setId("sb" + i).setHostname("c" + i));
      b.addEndpoints(endpoint(i).build());
    }
    base = b.build();
    applier.sessionStarted();
    applier.apply(base);
    assertThat(dp.calls).containsExactly("reconcile");
    dp.calls.clear();
  }

  private static NodeEndpoint.Builder endpoint(int i) {
    return NodeEndpoint.newBuilder().setId("ep" + i).setName("e" + i).setNetworkId(NET).setSandboxId("sb" + i)
        .setInterfaceName("eth0").setMacAddress("02:42:0a:09:00:" + String.format("%02x", i + 2))
        .setIpv4Address("10.9.0." + (i + 2) + "/24");
  }

  /** {@code base} with endpoint {@code i} replaced. */
  private DesiredState withEndpoint(int i, NodeEndpoint e) {
    return base.toBuilder().setVersion(base.getVersion() + 1).setEndpoints(i, e).build();
  }

  private static ObjectStatus statusOf(List<ObjectStatus> statuses, ObjectKind kind, String id) {
    return statuses.stream().filter(s -> s.getKind() == kind && s.getId().equals(id)).findFirst().orElseThrow();
  }

  @Test
  void apply_sameSnapshotAgain_convertsAndChangesNothing() {
    int before = bridge.conversions();

    List<ObjectStatus> statuses = applier.apply(base);

    assertThat(dp.calls).isEmpty();
    assertThat(bridge.conversions()).isEqualTo(before);
    assertThat(statuses).hasSize(1 + 2 * SANDBOXES).noneMatch(ObjectStatus::hasError);
  }

  @Test
  void apply_equalMessagesParsedAgain_reusesConversions() throws Exception {
    int before = bridge.conversions();
    var specBefore = dp.endpoints.get("ep1");

    applier.apply(DesiredState.parseFrom(base.toByteArray()));

    assertThat(dp.calls).isEmpty();
    assertThat(bridge.conversions()).isEqualTo(before);
    assertThat(dp.endpoints.get("ep1")).isSameAs(specBefore);
  }

  @Test
  void apply_equalMessagesParsedAgain_areComparedFieldByFieldOnceThenByIdentity() throws Exception {
    DesiredState parsed = DesiredState.parseFrom(base.toByteArray());
    applier.apply(parsed);
    int after = bridge.fieldComparisons();

    applier.apply(parsed.toBuilder().setVersion(parsed.getVersion() + 1).build());

    // the same instances again: no object is compared field by field (every one was, each
    // snapshot, while the conversions kept the first instance they were made from)
    assertThat(bridge.fieldComparisons()).isEqualTo(after);
    assertThat(dp.calls).isEmpty();
  }

  @Test
  void apply_endpointWithNewMac_reattachesThatEndpointOnly() {
    int before = bridge.conversions();
    var untouched = dp.endpoints.get("ep3");

    List<ObjectStatus> statuses = applier.apply(withEndpoint(2, endpoint(2).setMacAddress("02:42:aa:bb:cc:dd").build()));

    assertThat(dp.calls).containsExactly("detach ep2", "attach ep2");
    assertThat(bridge.conversions()).isEqualTo(before + 1);
    assertThat(dp.endpoints.get("ep2").mac()).isEqualTo(MacAddress.parse("m", "02:42:aa:bb:cc:dd"));
    assertThat(dp.endpoints.get("ep3")).isSameAs(untouched);
    assertThat(statusOf(statuses, ObjectKind.OBJECT_KIND_ENDPOINT, "ep2").getMacAddress()).isEqualTo("02:42:aa:bb:cc:dd");
  }

  @Test
  void apply_endpointWithNewAddress_reattachesItAndRewritesItsHostsFile() throws IOException {
    applier.apply(withEndpoint(1, endpoint(1).setIpv4Address("10.9.0.99/24").build()));

    assertThat(dp.calls).containsExactly("detach ep1", "attach ep1");
    assertThat(dp.endpoints.get("ep1").ipv4().toString()).isEqualTo("10.9.0.99/24");
    assertThat(Files.readString(dir.resolve("state/sandboxes/sb1/hosts"))).contains("10.9.0.99").doesNotContain("10.9.0.3");
  }

  @Test
  void apply_defaultRouteChosenInSandbox_reconvertsTheUnchangedEndpointBesideIt() {
    NodeEndpoint second = NodeEndpoint.newBuilder().setId("ep0b").setNetworkId(NET).setSandboxId("sb0")
        .setInterfaceName("eth1").setIpv4Address("10.9.0.50/24").setDefaultGateway(true).build();
    assertThat(dp.endpoints.get("ep0").defaultRoute()).isNull();

    // ep0's message is the very same instance, but its sandbox now has a chosen default route
    applier.apply(base.toBuilder().addEndpoints(second).build());

    assertThat(dp.calls).containsExactly("detach ep0", "attach ep0", "attach ep0b");
    assertThat(dp.endpoints.get("ep0").defaultRoute()).isFalse();
    assertThat(dp.endpoints.get("ep0b").defaultRoute()).isTrue();
  }

  @Test
  void apply_afterAFailedAttach_nextSnapshotReconcilesFully() {
    DesiredState changed = withEndpoint(4, endpoint(4).setMacAddress("02:42:00:00:00:44").build());
    dp.failNextAttach.add("ep4");

    List<ObjectStatus> failed = applier.apply(changed);
    assertThat(statusOf(failed, ObjectKind.OBJECT_KIND_ENDPOINT, "ep4").getError().getMessage()).contains("fake attach failure");
    dp.calls.clear();

    List<ObjectStatus> retried = applier.apply(changed);

    assertThat(dp.calls).containsExactly("reconcile");
    assertThat(retried).noneMatch(ObjectStatus::hasError);
    assertThat(dp.endpoints.get("ep4").mac()).isEqualTo(MacAddress.parse("m", "02:42:00:00:00:44"));
  }

  @Test
  void apply_badMac_failsAndTheNextSnapshotsStillApply() {
    int before = bridge.conversions();
    DesiredState bad = withEndpoint(3, endpoint(3).setMacAddress("02:42:zz:00:00:01").build());

    assertThatThrownBy(() -> applier.apply(bad)).isInstanceOfSatisfying(CnmException.class,
        e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT)).hasMessageContaining("octet 'zz'");
    applier.apply(base);
    assertThat(dp.calls).isEmpty();
    assertThat(bridge.conversions()).isEqualTo(before);

    applier.apply(withEndpoint(3, endpoint(3).setMacAddress("02:42:00:00:00:33").build()));
    assertThat(dp.calls).containsExactly("detach ep3", "attach ep3");
  }

  @Test
  void apply_externalKeyNotANetworkNamespace_reportsInvalidArgumentWithItsReason() throws IOException {
    Path plain = Files.writeString(dir.resolve("not-a-netns"), "x");
    Path missing = dir.resolve("cnmt-missing-" + java.util.UUID.randomUUID());
    DesiredState next = base.toBuilder().setVersion(base.getVersion() + 1)
        .addSandboxes(NodeSandbox.newBuilder().setId("ext1").setExternalKey(missing.toString()))
        .addSandboxes(NodeSandbox.newBuilder().setId("ext2").setExternalKey(plain.toString()))
        .addSandboxes(NodeSandbox.newBuilder().setId("ext3").setExternalKey("/proc/self/ns/net")).build();

    List<ObjectStatus> out = applier.apply(next);

    for (String id : List.of("ext1", "ext2")) {
      com.google.rpc.Status error = statusOf(out, ObjectKind.OBJECT_KIND_SANDBOX, id).getError();
      assertThat(error.getCode()).as(id).isEqualTo(com.google.rpc.Code.INVALID_ARGUMENT_VALUE);
      assertThat(error.getDetailsList()).as(id).anySatisfy(any -> assertThat(
          any.unpack(com.google.rpc.ErrorInfo.class).getReason()).isEqualTo("NOT_A_NETWORK_NAMESPACE"));
    }
    assertThat(statusOf(out, ObjectKind.OBJECT_KIND_SANDBOX, "ext3").getError().getCode()).isZero();
    assertThat(dp.sandboxes).containsKey("ext3").doesNotContainKeys("ext1", "ext2");
  }

  @Test
  void apply_sandboxRemovedThenBack_isDeletedThenCreatedAgain() {
    DesiredState without = base.toBuilder().removeSandboxes(2).removeEndpoints(2).build();

    applier.apply(without);
    assertThat(dp.calls).containsExactly("deleteSandbox sb2");
    dp.calls.clear();
    applier.apply(base);

    assertThat(dp.calls).containsExactly("sandbox sb2", "attach ep2");
    assertThat(dp.endpoints).containsKey("ep2");
  }

  @Test
  void apply_iccOffNetwork_firewallNamesTheEndpointsBridgePortsAndFollowsLeaves() {
    List<String> scripts = new java.util.ArrayList<>();
    DataplaneApplier withFirewall = applierWithFirewall(scripts);
    withFirewall.sessionStarted();
    // enable_icc is false unless set: base's network has icc off
    withFirewall.apply(base);
    assertThat(scripts).singleElement().asString()
        .contains("iifname { \"cnmep0\", \"cnmep1\", \"cnmep2\", \"cnmep3\", \"cnmep4\" } oifname { ");

    withFirewall.apply(base.toBuilder().setVersion(2).removeEndpoints(4).removeSandboxes(4).build());

    assertThat(scripts).hasSize(2);
    assertThat(scripts.get(1)).contains("iifname { \"cnmep0\", \"cnmep1\", \"cnmep2\", \"cnmep3\" } oifname { ");
  }

  @Test
  void apply_iccOnNetwork_joinsAndLeavesLeaveTheFirewallAlone() {
    List<String> scripts = new java.util.ArrayList<>();
    DataplaneApplier withFirewall = applierWithFirewall(scripts);
    withFirewall.sessionStarted();
    DesiredState iccOn = base.toBuilder().setNetworks(0, base.getNetworks(0).toBuilder()
        .setBridge(base.getNetworks(0).getBridge().toBuilder().setEnableIcc(true))).build();
    withFirewall.apply(iccOn);

    withFirewall.apply(iccOn.toBuilder().setVersion(2).removeEndpoints(4).removeSandboxes(4).build());

    assertThat(scripts).singleElement().asString().doesNotContain("cnmep");
  }

  @Test
  void apply_publishedPorts_firewallRewrittenOnlyWhenTheyChange() throws Exception {
    List<String> scripts = new java.util.ArrayList<>();
    DataplaneApplier withFirewall = applierWithFirewall(scripts);
    withFirewall.sessionStarted();
    DesiredState published = withEndpoint(0, endpoint(0).addPortMap(PortBinding.newBuilder()
        .setProtocol(Protocol.PROTOCOL_TCP).setContainerPort(80).setHostPort(8080)).build());

    withFirewall.apply(published);
    withFirewall.apply(DesiredState.parseFrom(published.toByteArray()));
    assertThat(scripts).hasSize(1);
    assertThat(scripts.get(0)).contains("8080");

    withFirewall.apply(withEndpoint(0, endpoint(0).addPortMap(PortBinding.newBuilder()
        .setProtocol(Protocol.PROTOCOL_TCP).setContainerPort(80).setHostPort(8081)).build()));
    assertThat(scripts).hasSize(2);
    assertThat(scripts.get(1)).contains("8081").doesNotContain("8080");
  }

  /** An applier over a fake bridge dataplane whose firewall records every script given to {@code nft -f}. */
  private DataplaneApplier applierWithFirewall(List<String> scripts) {
    NftRunner nft = (args, stdin) -> {
      if (args.get(0).equals("-f")) {
        scripts.add(stdin);
      }
      return new NftRunner.NftResult(0, "table inet cnmt_a {\n}\n", "");
    };
    return new DataplaneApplier(DriverRegistry.with(new BridgeDriver(new FakeBridgeDataplane(), null)).build(),
        new NftFirewall(nft, "cnmt_a", new SimpleMeterRegistry()), null,
        new SandboxFileWriter(dir.resolve("state2"), new SandboxFiles(dir.resolve("host-resolv.conf"), new SimpleMeterRegistry())));
  }
}
