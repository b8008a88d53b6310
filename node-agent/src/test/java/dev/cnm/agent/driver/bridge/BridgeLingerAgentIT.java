package dev.cnm.agent.driver.bridge;

import static dev.cnm.agent.testsupport.TwoHostLab.endpoint;
import static dev.cnm.agent.testsupport.TwoHostLab.exec;
import static dev.cnm.agent.testsupport.TwoHostLab.sandbox;
import static dev.cnm.agent.testsupport.TwoHostLab.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.agent.testsupport.TwoHostLab;
import dev.cnm.agent.testsupport.TwoHostLab.Host;
import dev.cnm.api.v1.BridgeConfig;
import dev.cnm.api.v1.DesiredState;
import dev.cnm.api.v1.NodeNetwork;
import dev.cnm.api.v1.ObjectKind;
import dev.cnm.api.v1.ObjectStatus;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A bridge outlives its network's last endpoint on the node, on the real kernel, through the whole
 * agent's applier: the next Join uses it as it is, a new network on the same subnet takes its
 * place, and a restarted agent's full reconcile removes it.
 */
class BridgeLingerAgentIT {
  private TwoHostLab lab;
  private Host h1;
  private long version;

  @BeforeEach
  void setUp() {
    lab = new TwoHostLab();
    h1 = lab.host(1);
  }

  @AfterEach
  void tearDown() {
    lab.close();
  }

  private static NodeNetwork network(String id, String bridgeName) {
    return NodeNetwork.newBuilder().setId(id).setName(id).setDriver("bridge").setSubnetIpv4("10.216.0.0/24")
        .setGatewayIpv4("10.216.0.1").setBridge(BridgeConfig.newBuilder().setBridgeName(bridgeName)
            .setEnableIpMasquerade(true).setEnableIcc(true)).build();
  }

  /** Sandbox sbA with endpoint epA joined to {@code n}. */
  private DesiredState joined(NodeNetwork n) {
    return snapshot(++version, h1).addNetworks(n).addSandboxes(sandbox("sbA"))
        .addEndpoints(endpoint("epA", n.getId(), "sbA", "10.216.0.2", "02:42:0a:d8:00:02", true)).build();
  }

  /** Sandbox sbA alone: the controller sends no network once its last endpoint here left. */
  private DesiredState left() {
    return snapshot(++version, h1).addSandboxes(sandbox("sbA")).build();
  }

  private static List<ObjectStatus> noErrors(List<ObjectStatus> st) {
    assertThat(st).allSatisfy(s -> assertThat(s.hasError()).as(s.getId() + ": " + s.getError().getMessage()).isFalse());
    return st;
  }

  private static Path key(List<ObjectStatus> statuses) {
    return Path.of(statuses.stream().filter(s -> s.getKind() == ObjectKind.OBJECT_KIND_SANDBOX).findFirst()
        .orElseThrow().getKey());
  }

  private boolean bridgeExists(String name) {
    return h1.netlink.links().find(name).isPresent();
  }

  private static boolean ping(Path sandbox, String address) {
    return exec(sandbox, "ping", "-c", "1", "-W", "2", address).code() == 0;
  }

  @Test
  void apply_lastEndpointLeftThenJoinsAgain_sameBridgeServesTheJoin() {
    noErrors(h1.apply(joined(network("lnet", "cnmt-lg0"))));
    int index = h1.netlink.links().get("cnmt-lg0").index();

    noErrors(h1.apply(left()));
    assertThat(bridgeExists("cnmt-lg0")).as("the bridge lingers after the last endpoint left").isTrue();

    List<ObjectStatus> st = noErrors(h1.apply(joined(network("lnet", "cnmt-lg0"))));
    assertThat(h1.netlink.links().get("cnmt-lg0").index()).as("the same bridge, not a new one").isEqualTo(index);
    assertThat(ping(key(st), "10.216.0.1")).as("sbA -> the lingering bridge's gateway").isTrue();
  }

  @Test
  void apply_newNetworkOnTheLingeringSubnet_replacesTheLingeringBridge() {
    noErrors(h1.apply(joined(network("lnet", "cnmt-lg0"))));
    noErrors(h1.apply(left()));

    List<ObjectStatus> st = noErrors(h1.apply(joined(network("lnet2", "cnmt-lg1"))));

    assertThat(bridgeExists("cnmt-lg0")).as("the lingering bridge of the same subnet").isFalse();
    assertThat(ping(key(st), "10.216.0.1")).as("sbA -> the new network's gateway").isTrue();
  }

  @Test
  void apply_agentRestartedWhileABridgeLingers_fullReconcileRemovesIt() {
    noErrors(h1.apply(joined(network("lnet", "cnmt-lg0"))));
    noErrors(h1.apply(left()));
    assertThat(bridgeExists("cnmt-lg0")).isTrue();

    lab.restart(1);
    noErrors(h1.apply(left()));

    assertThat(bridgeExists("cnmt-lg0")).as("a restarted agent keeps no lingering bridge").isFalse();
  }
}
