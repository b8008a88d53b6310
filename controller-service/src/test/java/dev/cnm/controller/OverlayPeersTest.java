package dev.cnm.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cnm.api.v1.DeleteEndpointRequest;
import dev.cnm.api.v1.DesiredState;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.GetEndpointRequest;
import dev.cnm.api.v1.JoinRequest;
import dev.cnm.api.v1.LeaveRequest;
import dev.cnm.api.v1.ListEndpointsRequest;
import dev.cnm.api.v1.Network;
import dev.cnm.api.v1.NodeNetwork;
import dev.cnm.api.v1.OverlayPeer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Overlay peers in each node's desired state: two or three nodes as agents speaking the real
 * session protocol, endpoints joined on each, and what every node is told as endpoints come
 * and go and nodes leave and return.
 */
class OverlayPeersTest {
  static final Duration WAIT = Duration.ofSeconds(10);
  @TempDir Path dir;
  ControllerFixture f;
  TestAgent a;
  TestAgent b;
  Network ov;

  @BeforeEach
  void start() throws Exception {
    f = new ControllerFixture(dir);
    a = new TestAgent(f.channel, "hostA", "192.0.2.1").awaitRegistered();
    b = new TestAgent(f.channel, "hostB", "192.0.2.2").awaitRegistered();
    ov = f.api.createNetwork(OverlayNetworkApiTest.overlay("ov", "10.220.0.0/24", Map.of("vxlan_id", "6001")));
    f.api.createSandbox(Api.sandbox("ca", "hostA"));
    f.api.createSandbox(Api.sandbox("cb", "hostB"));
  }

  @AfterEach
  void stop() {
    a.close();
    b.close();
    f.close();
  }

  private Endpoint joined(String ep, String sandbox) {
    f.api.createEndpoint(Api.endpoint("ov", Endpoint.newBuilder().setName(ep)));
    return f.api.join(JoinRequest.newBuilder().setNetwork("ov").setEndpoint(ep).setSandbox(sandbox).build())
        .getEndpoint();
  }

  /** The overlay network as the agent's latest snapshot has it, or null. */
  private static NodeNetwork overlayOf(TestAgent agent) {
    DesiredState s = agent.last();
    return s.getNetworksList().stream().filter(NodeNetwork::hasOverlay).findFirst().orElse(null);
  }

  private static List<String> peerIds(TestAgent agent) {
    NodeNetwork n = overlayOf(agent);
    return n == null ? List.of() : n.getOverlay().getPeersList().stream().map(OverlayPeer::getEndpointId).toList();
  }

  private Endpoint get(String ep) {
    return f.api.getEndpoint(GetEndpointRequest.newBuilder().setNetwork("ov").setEndpoint(ep).build());
  }

  @Test
  void join_onTwoNodes_eachGetsTheOtherAsPeerWithVniPortAndAddresses() {
    Endpoint ea = joined("ea", "ca");
    Endpoint eb = joined("eb", "cb");
    await().atMost(WAIT).untilAsserted(() -> assertThat(peerIds(a)).containsExactly(eb.getId()));
    NodeNetwork na = overlayOf(a);
    assertThat(na.getDriver()).isEqualTo("overlay");
    assertThat(na.getOverlay().getVni()).isEqualTo(6001);
    assertThat(na.getOverlay().getVxlanPort()).isEqualTo(4789);
    assertThat(na.getMtu()).isZero(); // the agent derives it from its underlay
    assertThat(na.getSubnetIpv4()).isEqualTo("10.220.0.0/24");
    OverlayPeer p = na.getOverlay().getPeers(0);
    assertThat(p.getNode()).isEqualTo("hostB");
    assertThat(p.getNodeAddress()).isEqualTo("192.0.2.2");
    assertThat(p.getMacAddress()).isEqualTo(eb.getMacAddress());
    assertThat(p.getIpv4Address()).isEqualTo(eb.getIpv4Address().substring(0, eb.getIpv4Address().indexOf('/')));
    await().atMost(WAIT).untilAsserted(() -> assertThat(peerIds(b)).containsExactly(ea.getId()));
    assertThat(overlayOf(b).getOverlay().getPeers(0).getNodeAddress()).isEqualTo("192.0.2.1");
    // endpoint addresses are unique across the cluster: one global pool
    assertThat(ea.getIpv4Address()).isNotEqualTo(eb.getIpv4Address());
  }

  @Test
  void leaveAndDelete_onB_dropThePeerFromA() {
    joined("ea", "ca");
    Endpoint eb = joined("eb", "cb");
    await().atMost(WAIT).untilAsserted(() -> assertThat(peerIds(a)).containsExactly(eb.getId()));
    f.api.leave(LeaveRequest.newBuilder().setNetwork("ov").setEndpoint("eb").setSandbox("cb").build());
    await().atMost(WAIT).untilAsserted(() -> assertThat(peerIds(a)).isEmpty());
    // B holds no endpoint of the network any more: the network is gone from its state
    assertThat(overlayOf(b)).isNull();

    f.api.join(JoinRequest.newBuilder().setNetwork("ov").setEndpoint("eb").setSandbox("cb").build());
    await().atMost(WAIT).untilAsserted(() -> assertThat(peerIds(a)).containsExactly(eb.getId()));
    f.api.deleteEndpoint(DeleteEndpointRequest.newBuilder().setNetwork("ov").setEndpoint("eb").setForce(true).build());
    await().atMost(WAIT).untilAsserted(() -> assertThat(peerIds(a)).isEmpty());
  }

  @Test
  void nodeGoes_itsPeersAreWithdrawnAndItsEndpointsShownOnADownNode_andComeBackWhenItReturns() throws Exception {
    Endpoint ea = joined("ea", "ca");
    Endpoint eb = joined("eb", "cb");
    await().atMost(WAIT).untilAsserted(() -> assertThat(peerIds(a)).containsExactly(eb.getId()));
    assertThat(get("eb").getNodeDown()).isFalse();

    b.close(); // the session ends: B's leased record goes
    await().atMost(WAIT).untilAsserted(() -> assertThat(peerIds(a)).isEmpty());
    assertThat(get("eb").getNodeDown()).isTrue();
    assertThat(get("ea").getNodeDown()).isFalse();
    assertThat(f.api.listEndpoints(ListEndpointsRequest.newBuilder().setNetwork("ov").build()).getEndpointsList())
        .extracting(Endpoint::getName, Endpoint::getNodeDown)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("ea", false), org.assertj.core.groups.Tuple.tuple("eb", true));

    b = new TestAgent(f.channel, "hostB", "192.0.2.2").awaitRegistered();
    await().atMost(WAIT).untilAsserted(() -> assertThat(peerIds(a)).containsExactly(eb.getId()));
    assertThat(get("eb").getNodeDown()).isFalse();
    // the returning node gets its full state, with A's endpoint as its peer
    await().atMost(WAIT).untilAsserted(() -> assertThat(peerIds(b)).containsExactly(ea.getId()));
  }

  @Test
  void threeNodes_aJoinOnC_reachesBothOthers_andANodeReturningAtANewAddressIsFollowed() throws Exception {
    try (TestAgent c = new TestAgent(f.channel, "hostC", "192.0.2.3").awaitRegistered()) {
      f.api.createSandbox(Api.sandbox("cc", "hostC"));
      Endpoint ea = joined("ea", "ca");
      Endpoint eb = joined("eb", "cb");
      Endpoint ec = joined("ec", "cc");
      await().atMost(WAIT).untilAsserted(() -> {
        assertThat(peerIds(a)).containsExactlyInAnyOrder(eb.getId(), ec.getId());
        assertThat(peerIds(b)).containsExactlyInAnyOrder(ea.getId(), ec.getId());
        assertThat(peerIds(c)).containsExactlyInAnyOrder(ea.getId(), eb.getId());
      });
      c.close();
      TestAgent c2 = new TestAgent(f.channel, "hostC", "192.0.2.33").awaitRegistered();
      try {
        await().atMost(WAIT).untilAsserted(() -> assertThat(overlayOf(a).getOverlay().getPeersList())
            .filteredOn(p -> p.getNode().equals("hostC")).singleElement()
            .satisfies(p -> assertThat(p.getNodeAddress()).isEqualTo("192.0.2.33")));
      } finally {
        c2.close();
      }
    }
  }

  @Test
  void mtuAndPortOptions_reachTheNodes() {
    f.api.createNetwork(OverlayNetworkApiTest.overlay("ov2", "10.222.0.0/24",
        Map.of("com.docker.network.driver.mtu", "1400", "vxlan_port", "4790")));
    f.api.createEndpoint(Api.endpoint("ov2", Endpoint.newBuilder().setName("m")));
    f.api.join(JoinRequest.newBuilder().setNetwork("ov2").setEndpoint("m").setSandbox("ca").build());
    assertThat(overlayOf(a)).satisfies(n -> {
      assertThat(n.getName()).isEqualTo("ov2");
      assertThat(n.getMtu()).isEqualTo(1400);
      assertThat(n.getOverlay().getVxlanPort()).isEqualTo(4790);
      assertThat(n.getOverlay().getVni()).isBetween(4096, 16_777_215);
      assertThat(n.getOverlay().getPeersList()).isEmpty();
    });
  }

  @Test
  void bridgeNetworks_carryNoOverlayConfig() {
    f.api.createNetwork(Api.bridge("br", "10.221.0.0/24"));
    f.api.createEndpoint(Api.endpoint("br", Endpoint.newBuilder().setName("x")));
    f.api.join(JoinRequest.newBuilder().setNetwork("br").setEndpoint("x").setSandbox("ca").build());
    assertThat(a.last().getNetworksList()).singleElement().satisfies(n -> assertThat(n.hasOverlay()).isFalse());
  }
}
