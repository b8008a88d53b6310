package dev.cnm.agent.driver.overlay;

import static dev.cnm.agent.testsupport.TwoHostLab.endpoint;
import static dev.cnm.agent.testsupport.TwoHostLab.exec;
import static dev.cnm.agent.testsupport.TwoHostLab.overlayNetwork;
import static dev.cnm.agent.testsupport.TwoHostLab.peer;
import static dev.cnm.agent.testsupport.TwoHostLab.sandbox;
import static dev.cnm.agent.testsupport.TwoHostLab.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.agent.apply.AgentMetrics;
import dev.cnm.agent.apply.DataplaneApplier;
import dev.cnm.agent.apply.SandboxFileWriter;
import dev.cnm.agent.driver.DriverRegistry;
import dev.cnm.agent.driver.bridge.BridgeDriver;
import dev.cnm.agent.testsupport.TwoHostLab;
import dev.cnm.agent.overlay.OverlayNetworkState;
import dev.cnm.agent.overlay.PeerChanges;
import dev.cnm.agent.testsupport.TwoHostLab.Host;
import dev.cnm.agent.testsupport.KernelFixture;
import dev.cnm.api.v1.DesiredState;
import dev.cnm.api.v1.NodeNetwork;
import dev.cnm.api.v1.ObjectKind;
import dev.cnm.api.v1.ObjectStatus;
import dev.cnm.api.v1.OverlayPeer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent's applier realising overlay networks from desired-state snapshots, on the real
 * kernel: two agents (each with its own dataplanes and state dir) in two "host" namespaces joined
 * by a veth underlay, fed hand-built snapshots as the controller would send them.
 */
class OverlayDriverIT {
  static final String MAC_A = "02:42:0a:d2:00:02";
  static final String MAC_B = "02:42:0a:d2:00:03";
  static final String MAC_C = "02:42:0a:d2:00:09";
  private TwoHostLab lab;
  private Host h1;
  private Host h2;
  private OverlayPeer peerA;
  private OverlayPeer peerB;

  @BeforeEach
  void setUp() {
    lab = new TwoHostLab();
    h1 = lab.host(1);
    h2 = lab.host(2);
    peerA = peer("epA", h1, "10.210.0.2", MAC_A);
    peerB = peer("epB", h2, "10.210.0.3", MAC_B);
  }

  @AfterEach
  void tearDown() {
    lab.close();
  }

  /** Host 1 holds sandbox sbA with epA; host 2 holds sbB with epB; each sees the other as a peer. */
  private DesiredState stateOf(Host h, long version, OverlayPeer... peers) {
    boolean one = h == h1;
    return snapshot(version, h).addNetworks(overlayNetwork("ov1", 4100, "10.210.0", false, peers))
        .addSandboxes(sandbox(one ? "sbA" : "sbB"))
        .addEndpoints(endpoint(one ? "epA" : "epB", "ov1", one ? "sbA" : "sbB", one ? "10.210.0.2" : "10.210.0.3",
            one ? MAC_A : MAC_B, true)).build();
  }

  private static void assertNoErrors(List<ObjectStatus> statuses) {
    assertThat(statuses).allSatisfy(s -> assertThat(s.hasError()).as(s.getKind() + " " + s.getId() + ": "
        + s.getError().getMessage()).isFalse());
  }

  private static Path key(List<ObjectStatus> statuses, String sandbox) {
    return Path.of(statuses.stream().filter(s -> s.getKind() == ObjectKind.OBJECT_KIND_SANDBOX
        && s.getId().equals(sandbox)).findFirst().orElseThrow().getKey());
  }

  private static KernelFixture.Exec ping(Path sandbox, String to) {
    return exec(sandbox, "ping", "-c", "1", "-W", "3", to);
  }

  private Path overlayNamespace(Host h, String network) {
    return h.overlay.networks().stream().filter(n -> n.networkId().equals(network)).findFirst()
        .map(OverlayNetworkState::namespacePath).orElseThrow();
  }

  @Test
  void snapshotsOnTwoAgents_sandboxesPingAcrossTheOverlay_andAPeerLeavingRemovesItsEntries() {
    List<ObjectStatus> a = h1.apply(stateOf(h1, 1, peerB));
    List<ObjectStatus> b = h2.apply(stateOf(h2, 1, peerA));
    assertNoErrors(a);
    assertNoErrors(b);
    assertThat(a).filteredOn(s -> s.getKind() == ObjectKind.OBJECT_KIND_ENDPOINT).singleElement()
        .satisfies(s -> assertThat(s.getInterfaceName() + " " + s.getMacAddress()).isEqualTo("eth0 " + MAC_A));
    Path sbA = key(a, "sbA");
    Path sbB = key(b, "sbB");
    KernelFixture.Exec there = ping(sbA, "10.210.0.3");
    assertThat(there.code()).as(there.output()).isZero();
    KernelFixture.Exec back = ping(sbB, "10.210.0.2");
    assertThat(back.code()).as(back.output()).isZero();
    String vx = exec(overlayNamespace(h1, "ov1"), "ip", "-d", "link", "show", "vxlan0").output();
    assertThat(vx).contains("vxlan id 4100", "local 10.78.0.1");

    // epB leaves: host 1's next snapshot no longer lists it as a peer
    assertNoErrors(h1.apply(stateOf(h1, 2)));
    assertThat(h1.overlayApplier.lastWasFull()).isFalse();
    assertThat(h1.overlayApplier.lastPeerChanges()).isEqualTo(Map.of("ov1", new PeerChanges(0, 0, 1, 1)));
    Path ov = overlayNamespace(h1, "ov1");
    assertThat(exec(ov, "bridge", "fdb", "show", "dev", "vxlan0").output()).doesNotContain(MAC_B);
    assertThat(exec(ov, "ip", "neigh", "show", "dev", "vxlan0").output()).doesNotContain("10.210.0.3");
    assertThat(exec(sbA, "ping", "-c", "1", "-W", "1", "10.210.0.3").code()).isNotZero();
  }

  @Test
  void incrementalSnapshotAddingAPeer_writesOnlyThatPeer_andLeavesOtherNetworksAlone() {
    NodeNetwork ov2 = overlayNetwork("ov2", 4200, "10.211.0", true, peer("epZ", h2, "10.211.0.7", MAC_C));
    DesiredState first = stateOf(h1, 1, peerB).toBuilder().addNetworks(ov2).build();
    assertNoErrors(h1.apply(first));
    assertThat(h1.overlayApplier.lastWasFull()).isTrue();

    OverlayPeer extra = peer("epC", h2, "10.210.0.9", MAC_C);
    DesiredState second = stateOf(h1, 2, peerB, extra).toBuilder().addNetworks(ov2).build();
    assertNoErrors(h1.apply(second));
    assertThat(h1.overlayApplier.lastWasFull()).isFalse();
    assertThat(h1.overlayApplier.lastPeerChanges()).as("only ov1's set changed, by one peer")
        .isEqualTo(Map.of("ov1", new PeerChanges(1, 1, 0, 0)));
    String fdb = exec(overlayNamespace(h1, "ov1"), "bridge", "fdb", "show", "dev", "vxlan0").output();
    assertThat(fdb).contains(MAC_B + " dst 10.78.0.2", MAC_C + " dst 10.78.0.2");
  }

  @Test
  void restartedAgent_convergesOnTheSameKernelState_withoutBreakingARunningPing() throws Exception {
    List<ObjectStatus> a = h1.apply(stateOf(h1, 1, peerB));
    assertNoErrors(a);
    assertNoErrors(h2.apply(stateOf(h2, 1, peerA)));
    Path sbA = key(a, "sbA");
    assertThat(ping(sbA, "10.210.0.3").code()).isZero();
    String ifBefore = exec(sbA, "ip", "-o", "link", "show", "eth0").output();
    String gwBefore = exec(sbA, "ip", "-o", "-4", "addr", "show", "gw0").output();
    assertThat(gwBefore).contains("inet 172.30.0.");

    Process pinging = new ProcessBuilder("nsenter", "--net=" + sbA, "ping", "-c", "30", "-i", "0.05", "-W", "1",
        "10.210.0.3").redirectErrorStream(true).start();
    try {
      Thread.sleep(300);
      Host restarted = lab.restart(1);
      assertNoErrors(restarted.apply(stateOf(h1, 1, peerB)));
      assertThat(restarted.overlayApplier.lastWasFull()).isTrue();
      assertThat(pinging.waitFor(20, TimeUnit.SECONDS)).isTrue();
      String out = new String(pinging.getInputStream().readAllBytes());
      assertThat(out).as(out).contains("30 received");
    } finally {
      pinging.destroyForcibly();
    }
    assertThat(exec(sbA, "ip", "-o", "link", "show", "eth0").output()).as("the veth was adopted, not re-created")
        .isEqualTo(ifBefore);
    assertThat(exec(sbA, "ip", "-o", "-4", "addr", "show", "gw0").output()).as("gw0 kept with its address").isEqualTo(gwBefore);
    // the next snapshot after the restart is incremental again
    assertNoErrors(h1.apply(stateOf(h1, 2, peerB)));
    assertThat(h1.overlayApplier.lastWasFull()).isFalse();
  }

  @Test
  void sandboxWithBridgeAndOverlayEndpoints_fullReconcilesOfBothDataplanes_keepEachOthersInterfaces() {
    NodeNetwork br = NodeNetwork.newBuilder().setId("br1").setName("br1").setDriver("bridge")
        .setSubnetIpv4("10.214.0.0/24").setGatewayIpv4("10.214.0.1")
        .setBridge(dev.cnm.api.v1.BridgeConfig.newBuilder().setBridgeName("cnmtbr1")).build();
    DesiredState overlayOnEth1 = snapshot(1, h1).addNetworks(br)
        .addNetworks(overlayNetwork("ov1", 4100, "10.210.0", false, peerB)).addSandboxes(sandbox("sbA"))
        .addEndpoints(endpoint("epBr", "br1", "sbA", "10.214.0.2", "02:42:0a:d6:00:02", true))
        .addEndpoints(endpoint("epA", "ov1", "sbA", "10.210.0.2", MAC_A, false).toBuilder().setInterfaceName("eth1"))
        .build();
    List<ObjectStatus> a = h1.apply(overlayOnEth1);
    assertNoErrors(a);
    assertNoErrors(h2.apply(stateOf(h2, 1, peerA)));
    Path sbA = key(a, "sbA");
    String links = exec(sbA, "ip", "-o", "link", "show").output();
    assertThat(links).contains("eth0@", "eth1@", "gw0@");
    assertThat(exec(sbA, "ip", "route", "show", "default").output()).as("the bridge endpoint is the gateway")
        .contains("via 10.214.0.1 dev eth0").doesNotContain("gw0");

    // an agent restart: both dataplanes reconcile the sandbox in full, neither removes the other's links
    assertNoErrors(lab.restart(1).apply(overlayOnEth1));
    assertThat(exec(sbA, "ip", "-o", "link", "show").output()).isEqualTo(links);
    KernelFixture.Exec over = ping(sbA, "10.210.0.3");
    assertThat(over.code()).as(over.output()).isZero();

    // the bridge endpoint leaves: the overlay endpoint stays
    DesiredState overlayOnly = overlayOnEth1.toBuilder().setVersion(2).setNonce("n2").clearEndpoints()
        .addEndpoints(overlayOnEth1.getEndpoints(1)).build();
    assertNoErrors(h1.apply(overlayOnly));
    assertThat(exec(sbA, "ip", "-o", "link", "show").output()).doesNotContain("eth0@").contains("eth1@", "gw0@");
    assertThat(ping(sbA, "10.210.0.3").code()).isZero();
  }

  @Test
  void sandboxLeaving_detachesItsOverlayEndpoint_andTheLastEndpointTakesTheNetworkAway() {
    List<ObjectStatus> a = h1.apply(stateOf(h1, 1, peerB));
    assertNoErrors(a);
    Path sbA = key(a, "sbA");
    Path ov = overlayNamespace(h1, "ov1");

    assertNoErrors(h1.apply(snapshot(2, h1).build()));
    assertThat(h1.overlayApplier.lastWasFull()).isFalse();
    assertThat(h1.overlay.endpoint("epA")).isEmpty();
    assertThat(h1.overlay.networks()).isEmpty();
    assertThat(Files.exists(sbA)).as("the sandbox's namespace is gone").isFalse();
    assertThat(Files.exists(ov)).as("the network's namespace is gone").isFalse();
  }

  @Test
  void restartedAgent_firstSnapshotWithoutTheNetwork_removesWhatThePreviousRunLeft() {
    List<ObjectStatus> a = h1.apply(stateOf(h1, 1, peerB));
    assertNoErrors(a);
    Path ov = overlayNamespace(h1, "ov1");
    Host restarted = lab.restart(1);

    assertNoErrors(restarted.apply(snapshot(1, h1).build()));
    assertThat(restarted.overlayApplier.lastWasFull()).isTrue();
    assertThat(Files.exists(ov)).as("the overlay namespace a previous run left").isFalse();
    assertThat(Files.exists(key(a, "sbA"))).isFalse();
    assertThat(KernelFixture.exec(h1.namespace, "ip", "-o", "link", "show", "master", TwoHostLab.GATEWAY_BRIDGE)
        .output()).as("no gateway veth left").isBlank();
  }

  @Test
  void badPeer_isReportedOnItsNetwork_andTheNextSnapshotIsAppliedInFull() {
    assertNoErrors(h1.apply(stateOf(h1, 1, peerB)));
    OverlayPeer outside = peer("epX", h2, "10.99.0.9", MAC_C);
    List<ObjectStatus> bad = h1.apply(stateOf(h1, 2, peerB, outside));
    assertThat(bad).filteredOn(s -> s.getKind() == ObjectKind.OBJECT_KIND_NETWORK).singleElement()
        .satisfies(s -> assertThat(s.getError().getMessage()).contains("10.99.0.9", "outside"));
    assertThat(bad).filteredOn(s -> s.getKind() != ObjectKind.OBJECT_KIND_NETWORK)
        .allSatisfy(s -> assertThat(s.hasError()).isFalse());

    assertNoErrors(h1.apply(stateOf(h1, 3, peerB)));
    assertThat(h1.overlayApplier.lastWasFull()).isTrue();
    assertNoErrors(h1.apply(stateOf(h1, 4, peerB)));
    assertThat(h1.overlayApplier.lastWasFull()).isFalse();
  }

  @Test
  void overlayNetwork_onAnAgentWithoutAdvertiseAddressOrOverlay_isReportedPerObject() {
    OverlayDriver none = new OverlayDriver(h1.overlay, null, null);
    DataplaneApplier applier = new DataplaneApplier(DriverRegistry.with(new BridgeDriver(h1.bridge, null)).add(none).build(),
        null, null, new SandboxFileWriter(h1.stateDir,
        new dev.cnm.agent.sandboxfiles.SandboxFiles(h1.stateDir.resolve("resolv.conf"),
            new io.micrometer.core.instrument.simple.SimpleMeterRegistry())), null, AgentMetrics.none());
    List<ObjectStatus> out = applier.apply(stateOf(h1, 1, peerB));
    assertThat(out).filteredOn(s -> s.getKind() == ObjectKind.OBJECT_KIND_NETWORK).singleElement()
        .satisfies(s -> assertThat(s.getError().getMessage()).contains("OVERLAY_NEEDS_ADVERTISE_ADDRESS",
            "--advertise-address"));
    assertThat(out).filteredOn(s -> s.getKind() == ObjectKind.OBJECT_KIND_ENDPOINT).singleElement()
        .satisfies(s -> assertThat(s.getError().getMessage()).contains("DEPENDENCY_FAILED"));
    assertThat(out).filteredOn(s -> s.getKind() == ObjectKind.OBJECT_KIND_SANDBOX).singleElement()
        .satisfies(s -> assertThat(s.hasError()).isFalse());

    DataplaneApplier bridgeOnly = new DataplaneApplier(DriverRegistry.with(new BridgeDriver(h1.bridge, null))
        .unavailable(OverlayDriver.NAME, OverlayDriver::notSupported).build(), null, null, new SandboxFileWriter(h1.stateDir,
        new dev.cnm.agent.sandboxfiles.SandboxFiles(h1.stateDir.resolve("resolv.conf"),
            new io.micrometer.core.instrument.simple.SimpleMeterRegistry())));
    assertThat(bridgeOnly.apply(stateOf(h1, 2, peerB))).filteredOn(s -> s.getKind() == ObjectKind.OBJECT_KIND_NETWORK)
        .singleElement().satisfies(s -> assertThat(s.getError().getMessage()).contains("DRIVER_NOT_SUPPORTED",
            "--advertise-address"));
  }
}
