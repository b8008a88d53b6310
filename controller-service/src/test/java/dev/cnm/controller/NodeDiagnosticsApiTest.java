package dev.cnm.controller;

import static dev.cnm.controller.Api.assertFails;
import static dev.cnm.controller.Api.bridge;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cnm.api.v1.DesiredState;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.InspectNodeRequest;
import dev.cnm.api.v1.JoinRequest;
import dev.cnm.api.v1.NodeDiagnosticsGrpc;
import dev.cnm.api.v1.NodeInspection;
import dev.cnm.api.v1.NodeStatus;
import dev.cnm.api.v1.ObjectKind;
import dev.cnm.api.v1.Sandbox;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** InspectNode over in-process gRPC: desired state next to what the agent reported, drift and errors. */
class NodeDiagnosticsApiTest {
  @TempDir Path dir;
  ControllerFixture f;
  NodeDiagnosticsGrpc.NodeDiagnosticsBlockingStub diagnostics;

  @BeforeEach
  void start() throws Exception {
    f = new ControllerFixture(dir);
    diagnostics = NodeDiagnosticsGrpc.newBlockingStub(f.channel);
  }

  @AfterEach
  void stop() {
    f.close();
  }

  private NodeInspection inspect(String node) {
    return diagnostics.inspectNode(InspectNodeRequest.newBuilder().setNode(node).build());
  }

  @Test
  void inspect_joinedEndpoint_desiredObjectsAndAgentStatusesAtTheAckedVersion() throws Exception {
    try (TestAgent agent = f.agent("node1")) {
      f.api.createNetwork(bridge("net1", "10.60.0.0/24"));
      f.api.createEndpoint(Api.endpoint("net1", Endpoint.newBuilder().setName("ep1")));
      Sandbox sb = f.api.createSandbox(Api.sandbox("c1", "node1"));
      f.api.join(JoinRequest.newBuilder().setEndpoint("ep1").setSandbox("c1").build());
      DesiredState last = agent.last();

      NodeInspection in = inspect("node1");

      assertThat(in.getNode().getName()).isEqualTo("node1");
      assertThat(in.getNode().getStatus()).isEqualTo(NodeStatus.NODE_STATUS_READY);
      assertThat(in.getConnected()).isTrue();
      assertThat(in.getDesired().getSnapshot()).isEqualTo(last);
      assertThat(in.getDesired().getSentVersion()).isEqualTo(last.getVersion());
      assertThat(in.getDesired().getSnapshot().getEndpointsList()).singleElement()
          .satisfies(e -> assertThat(e.getIpv4Address()).isEqualTo("10.60.0.2/24"));
      assertThat(in.getDesired().getSnapshot().getNetworksList()).extracting(n -> n.getName()).containsExactly("net1");
      assertThat(in.getActual().getAckedVersion()).isEqualTo(last.getVersion());
      assertThat(in.getNode().getAckedVersion()).isEqualTo(last.getVersion());
      assertThat(in.getActual().getRejectedVersion()).isZero();
      assertThat(in.getActual().getLastReply().getVersion()).isEqualTo(last.getVersion());
      assertThat(in.getActual().getLastReply().getObjectsList()).singleElement().satisfies(o -> {
        assertThat(o.getKind()).isEqualTo(ObjectKind.OBJECT_KIND_SANDBOX);
        assertThat(o.getId()).isEqualTo(sb.getId());
        assertThat(o.getKey()).isEqualTo("/run/cnmt/netns/" + sb.getId());
      });
    }
  }

  @Test
  void inspect_agentRejectedASnapshot_showsRejectionBehindDesired() throws Exception {
    try (TestAgent agent = f.agent("node1")) {
      f.api.createSandbox(Api.sandbox("c1", "node1"));
      long good = agent.last().getVersion();
      agent.mode(TestAgent.Mode.NACK);
      assertFails(Status.Code.FAILED_PRECONDITION, "bridge exploded",
          () -> f.api.createSandbox(Api.sandbox("c2", "node1")));

      NodeInspection in = inspect("node1");

      assertThat(in.getActual().getAckedVersion()).isEqualTo(good);
      assertThat(in.getActual().getRejectedVersion()).isGreaterThan(good);
      assertThat(in.getActual().getRejection().getMessage()).contains("bridge exploded");
      assertThat(in.getActual().getLastReply().getError().getMessage()).isEqualTo("bridge exploded");
      assertThat(in.getDesired().getSnapshot().getVersion()).isGreaterThan(in.getActual().getAckedVersion());
    }
  }

  @Test
  void inspect_agentGone_nodeDownWithItsSandboxesStillDesired() throws Exception {
    try (TestAgent agent = f.agent("node1")) {
      f.api.createSandbox(Api.sandbox("c1", "node1"));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> !inspect("node1").getConnected());
    // the node's record outlives its stream by one lease ttl (5 s here), so that an agent
    // restarted quickly disturbs no other node; then the node is down
    await().atMost(Duration.ofSeconds(20))
        .until(() -> inspect("node1").getNode().getStatus() == NodeStatus.NODE_STATUS_DOWN);

    NodeInspection in = inspect("node1");

    assertThat(in.getNode().getStatus()).isEqualTo(NodeStatus.NODE_STATUS_DOWN);
    assertThat(in.getDesired().getSentVersion()).isZero();
    assertThat(in.getDesired().getSnapshot().getSandboxesList()).extracting(s -> s.getContainerId())
        .containsExactly("c1");
  }

  @Test
  void inspect_unknownNode_notFound() {
    assertFails(Status.Code.NOT_FOUND, "node-x", () -> inspect("node-x"));
  }

  @Test
  void inspect_emptyName_invalidArgument() {
    assertFails(Status.Code.INVALID_ARGUMENT, "node", () -> inspect(""));
  }
}
