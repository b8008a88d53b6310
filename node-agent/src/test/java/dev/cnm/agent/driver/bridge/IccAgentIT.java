package dev.cnm.agent.driver.bridge;

import static dev.cnm.agent.testsupport.TwoHostLab.endpoint;
import static dev.cnm.agent.testsupport.TwoHostLab.exec;
import static dev.cnm.agent.testsupport.TwoHostLab.overlayNetwork;
import static dev.cnm.agent.testsupport.TwoHostLab.sandbox;
import static dev.cnm.agent.testsupport.TwoHostLab.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.agent.testsupport.TwoHostLab;
import dev.cnm.agent.testsupport.TwoHostLab.Host;
import dev.cnm.agent.testsupport.KernelFixture;
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
 * icc=false through the whole agent (snapshot → bridge dataplane, gateway bridge → nftables) on
 * the real kernel, in a host namespace whose br_netfilter sysctls are 0, as on a fresh host
 * without the module: bridged frames never reach the inet table there.
 */
class IccAgentIT {
  private static final List<String> BR_NETFILTER_SYSCTLS = List.of("bridge-nf-call-iptables",
      "bridge-nf-call-ip6tables", "bridge-nf-call-arptables");
  private TwoHostLab lab;
  private Host h1;

  @BeforeEach
  void setUp() {
    lab = new TwoHostLab();
    h1 = lab.host(1);
    for (String sysctl : BR_NETFILTER_SYSCTLS) {
      String path = "/proc/sys/net/bridge/" + sysctl;
      if (KernelFixture.exec(h1.namespace, "test", "-e", path).code() == 0) {
        KernelFixture.Exec set = KernelFixture.exec(h1.namespace, "sh", "-c", "echo 0 > " + path);
        assertThat(set.code()).as(set.output()).isZero();
        assertThat(KernelFixture.exec(h1.namespace, "cat", path).output().strip()).as(sysctl).isEqualTo("0");
      }
    }
  }

  @AfterEach
  void tearDown() {
    lab.close();
  }

  private static NodeNetwork bridgeNetwork(boolean icc) {
    return NodeNetwork.newBuilder().setId("brnet").setName("brnet").setDriver("bridge")
        .setSubnetIpv4("10.214.0.0/24").setGatewayIpv4("10.214.0.1")
        .setBridge(BridgeConfig.newBuilder().setBridgeName("cnmt-icc0").setEnableIpMasquerade(true).setEnableIcc(icc))
        .build();
  }

  private DesiredState bridgeState(long version, boolean icc) {
    return snapshot(version, h1).addNetworks(bridgeNetwork(icc))
        .addSandboxes(sandbox("sbA")).addSandboxes(sandbox("sbB"))
        .addEndpoints(endpoint("epA", "brnet", "sbA", "10.214.0.2", "02:42:0a:d6:00:02", true))
        .addEndpoints(endpoint("epB", "brnet", "sbB", "10.214.0.3", "02:42:0a:d6:00:03", true)).build();
  }

  private static Path key(List<ObjectStatus> statuses, String sandbox) {
    return Path.of(statuses.stream().filter(s -> s.getKind() == ObjectKind.OBJECT_KIND_SANDBOX
        && s.getId().equals(sandbox)).findFirst().orElseThrow().getKey());
  }

  private static boolean ping(Path sandbox, String address) {
    return exec(sandbox, "ping", "-c", "1", "-W", "1", address).code() == 0;
  }

  private static void assertNoErrors(List<ObjectStatus> st) {
    assertThat(st).allSatisfy(s -> assertThat(s.hasError()).as(s.getId() + ": " + s.getError().getMessage()).isFalse());
  }

  @Test
  void bridgeNetworkIccOff_sandboxesCannotReachEachOther_butTheGateway_andIccOnLetsThemTalk() {
    List<ObjectStatus> st = h1.apply(bridgeState(1, false));
    assertNoErrors(st);
    Path sbA = key(st, "sbA");
    Path sbB = key(st, "sbB");

    assertThat(ping(sbA, "10.214.0.3")).as("sbA -> sbB, icc off").isFalse();
    assertThat(ping(sbB, "10.214.0.2")).as("sbB -> sbA, icc off").isFalse();
    assertThat(ping(sbA, "10.214.0.1")).as("sbA -> gateway").isTrue();
    assertThat(ping(sbB, "10.214.0.1")).as("sbB -> gateway").isTrue();

    assertNoErrors(h1.apply(bridgeState(2, true)));

    assertThat(ping(sbA, "10.214.0.3")).as("sbA -> sbB, icc on").isTrue();
  }

  @Test
  void gatewayBridge_sandboxesCannotReachEachOtherThroughIt() {
    DesiredState s = snapshot(1, h1).addNetworks(overlayNetwork("ov1", 4310, "10.215.0", false))
        .addSandboxes(sandbox("sbA")).addSandboxes(sandbox("sbB"))
        .addEndpoints(endpoint("epA", "ov1", "sbA", "10.215.0.2", "02:42:0a:d7:00:02", true))
        .addEndpoints(endpoint("epB", "ov1", "sbB", "10.215.0.3", "02:42:0a:d7:00:03", true)).build();
    List<ObjectStatus> st = h1.apply(s);
    assertNoErrors(st);
    Path sbA = key(st, "sbA");
    Path sbB = key(st, "sbB");
    String gwOfB = h1.gateway.addressOf("sbB").orElseThrow().getHostAddress();

    assertThat(ping(sbA, gwOfB)).as("sbA -> sbB's gw0 " + gwOfB).isFalse();
    assertThat(ping(sbA, "172.30.0.1")).as("sbA -> the gateway bridge").isTrue();
    assertThat(ping(sbA, "10.215.0.3")).as("sbA -> sbB over their overlay").isTrue();
  }
}
