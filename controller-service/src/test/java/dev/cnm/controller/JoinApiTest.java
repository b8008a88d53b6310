package dev.cnm.controller;

import dev.cnm.api.v1.DeleteEndpointRequest;
import dev.cnm.api.v1.DeleteSandboxRequest;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.GetEndpointRequest;
import dev.cnm.api.v1.JoinRequest;
import dev.cnm.api.v1.JoinResponse;
import dev.cnm.api.v1.LeaveRequest;
import dev.cnm.api.v1.ListNodesRequest;
import dev.cnm.api.v1.NodeStatus;
import dev.cnm.api.v1.PortBinding;
import dev.cnm.api.v1.Sandbox;
import dev.cnm.controller.domain.ports.PortAllocator;
import io.grpc.Status;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static dev.cnm.controller.Api.assertFails;
import static dev.cnm.controller.Api.bridge;
import static org.assertj.core.api.Assertions.assertThat;

/** libnetwork's README scenario and the Join/Leave rules, against an agent speaking the session protocol. */
class JoinApiTest {
  @TempDir Path dir;
  ControllerFixture f;
  TestAgent agent;

  @BeforeEach
  void start() throws Exception {
    f = new ControllerFixture(dir, new PortAllocator(40000, 40002));
    agent = f.agent("node1");
    f.api.createNetwork(bridge("network1", "10.50.0.0/24"));
  }

  @AfterEach
  void stop() {
    agent.close();
    f.close();
  }

  private JoinResponse join(String ep, String sb) {
    return f.api.join(JoinRequest.newBuilder().setEndpoint(ep).setSandbox(sb).build());
  }

  @Test
  void createSandbox_agentNamesItsNamespaceDirectory_keyIsStoredWithTheSandboxInOneWrite() throws Exception {
    TestAgent keyed = new TestAgent(f.channel, "node2", "127.0.0.2", "/run/cnmt/netns").awaitRegistered();
    try {
      Sandbox sb = f.api.createSandbox(Api.sandbox("keyed1", "node2"));

      assertThat(sb.getKey()).isEqualTo("/run/cnmt/netns/" + sb.getId());
      dev.cnm.store.client.KvObject<Sandbox> stored = f.storeClient
          .get(dev.cnm.controller.domain.repository.StoreKeys.sandbox(sb.getId()), Sandbox.parser()).orElseThrow();
      assertThat(stored.value().getKey()).isEqualTo(sb.getKey());
      assertThat(stored.version()).as("written once: no second write of the key").isEqualTo(1);
    } finally {
      keyed.close();
    }
  }

  @Test
  void join_readmeScenario_returnsOperationalDataAndThePortMap() {
    f.api.createEndpoint(Api.endpoint("network1", Endpoint.newBuilder().setName("Endpoint1")
        .addPortBindings(PortBinding.newBuilder().setContainerPort(80))
        .addPortBindings(PortBinding.newBuilder().setContainerPort(443).setHostPort(8443))));
    Sandbox sb = f.api.createSandbox(Api.sandbox("container1", "node1"));
    assertThat(sb.getKey()).isEqualTo("/run/cnmt/netns/" + sb.getId());
    JoinResponse j = join("Endpoint1", "container1");
    Endpoint ep = j.getEndpoint();
    assertThat(ep.getInterfaceName()).isEqualTo("eth0");
    assertThat(ep.getIpv4Address()).isEqualTo("10.50.0.2/24");
    assertThat(ep.getGatewayIpv4()).isEqualTo("10.50.0.1");
    assertThat(ep.getMacAddress()).isEqualTo("02:42:0a:32:00:02");
    assertThat(ep.getPortMapList()).extracting(PortBinding::getContainerPort, PortBinding::getHostPort)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(80, 40000), org.assertj.core.groups.Tuple.tuple(443, 8443));
    assertThat(j.getSandbox().getEndpointIdsList()).containsExactly(ep.getId());
    // the agent was told: the endpoint is in its desired state as the sandbox's gateway endpoint
    var last = agent.last();
    assertThat(last.getEndpointsList()).singleElement().satisfies(e -> {
      assertThat(e.getId()).isEqualTo(ep.getId());
      assertThat(e.getDefaultGateway()).isTrue();
    });
    assertThat(last.getNetworksList()).singleElement().satisfies(n -> assertThat(n.getBridge().getBridgeName())
        .startsWith("cnmt"));
    assertThat(last.getSandboxes(0).getHostname()).isEqualTo("test");
    assertThat(last.getSandboxes(0).getDomainName()).isEqualTo("docker.io");
  }

  @Test
  void join_twice_isAlreadyExists_andLeaveWhenNotJoined_isFailedPrecondition() {
    f.api.createEndpoint(Api.endpoint("network1", Endpoint.newBuilder().setName("e")));
    f.api.createSandbox(Api.sandbox("c1", "node1"));
    f.api.createSandbox(Api.sandbox("c2", "node1"));
    join("e", "c1");
    assertFails(Status.Code.ALREADY_EXISTS, "endpoint", () -> join("e", "c2"));
    assertFails(Status.Code.FAILED_PRECONDITION, "endpoint",
        () -> f.api.leave(LeaveRequest.newBuilder().setEndpoint("e").setSandbox("c2").build()));
    f.api.leave(LeaveRequest.newBuilder().setEndpoint("e").setSandbox("c1").build());
    assertFails(Status.Code.FAILED_PRECONDITION, "endpoint",
        () -> f.api.leave(LeaveRequest.newBuilder().setEndpoint("e").setSandbox("c1").build()));
  }

  @Test
  void leave_freesHostPorts_andAHostPortRangeIsHonoured() {
    f.api.createEndpoint(Api.endpoint("network1", Endpoint.newBuilder().setName("a")
        .addPortBindings(PortBinding.newBuilder().setContainerPort(80).setHostPort(9000).setHostPortEnd(9001))));
    f.api.createEndpoint(Api.endpoint("network1", Endpoint.newBuilder().setName("b")
        .addPortBindings(PortBinding.newBuilder().setContainerPort(80).setHostPort(9000).setHostPortEnd(9001))));
    f.api.createEndpoint(Api.endpoint("network1", Endpoint.newBuilder().setName("c")
        .addPortBindings(PortBinding.newBuilder().setContainerPort(80).setHostPort(9000).setHostPortEnd(9001))));
    f.api.createSandbox(Api.sandbox("c1", "node1"));
    assertThat(join("a", "c1").getEndpoint().getPortMap(0).getHostPort()).isEqualTo(9000);
    assertThat(join("b", "c1").getEndpoint().getPortMap(0).getHostPort()).isEqualTo(9001);
    assertFails(Status.Code.ALREADY_EXISTS, "endpoint.port_bindings[0].host_port", () -> join("c", "c1"));
    f.api.leave(LeaveRequest.newBuilder().setEndpoint("a").setSandbox("c1").build());
    assertThat(join("c", "c1").getEndpoint().getPortMap(0).getHostPort()).isEqualTo(9000);
  }

  @Test
  void createEndpoint_fixedHostPortPublishedOnANode_isAccepted_andItsJoinOnThatNodeIsAlreadyExists() {
    // whether the port is free depends on the node the endpoint joins on: decided at Join
    f.api.createEndpoint(Api.endpoint("network1", Endpoint.newBuilder().setName("a")
        .addPortBindings(PortBinding.newBuilder().setContainerPort(80).setHostPort(8080))));
    f.api.createSandbox(Api.sandbox("c1", "node1"));
    join("a", "c1");
    f.api.createEndpoint(Api.endpoint("network1", Endpoint.newBuilder().setName("b")
        .addPortBindings(PortBinding.newBuilder().setContainerPort(81).setHostPort(8080))));
    assertFails(Status.Code.ALREADY_EXISTS, "endpoint.port_bindings[0].host_port", () -> join("b", "c1"));
    f.api.leave(LeaveRequest.newBuilder().setEndpoint("a").setSandbox("c1").build());
    assertThat(join("b", "c1").getEndpoint().getPortMap(0).getHostPort()).isEqualTo(8080);
  }

  @Test
  void createSandbox_unknownNode_isNotFoundNamingTheField() {
    assertFails(Status.Code.NOT_FOUND, "sandbox.node", () -> f.api.createSandbox(Api.sandbox("c", "elsewhere")));
    assertFails(Status.Code.INVALID_ARGUMENT, "sandbox.container_id", () -> f.api.createSandbox(Api.sandbox("", "node1")));
    f.api.createSandbox(Api.sandbox("c", "node1"));
    assertFails(Status.Code.ALREADY_EXISTS, "sandbox.container_id", () -> f.api.createSandbox(Api.sandbox("c", "node1")));
  }

  @Test
  void join_agentSilent_isDeadlineExceededAndUndone() {
    f.api.createEndpoint(Api.endpoint("network1", Endpoint.newBuilder().setName("e")
        .addPortBindings(PortBinding.newBuilder().setContainerPort(80).setHostPort(7000))));
    f.api.createSandbox(Api.sandbox("c1", "node1"));
    agent.mode(TestAgent.Mode.SILENT);
    assertFails(Status.Code.DEADLINE_EXCEEDED, null, () -> f.api.withDeadlineAfter(700, TimeUnit.MILLISECONDS)
        .join(JoinRequest.newBuilder().setEndpoint("e").setSandbox("c1").build()));
    // the client's deadline may fire just before the server's undo lands
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).untilAsserted(() -> {
      Endpoint ep = f.api.getEndpoint(GetEndpointRequest.newBuilder().setEndpoint("e").build());
      assertThat(ep.getSandboxId()).isEmpty();
      assertThat(ep.getPortMapList()).isEmpty();
    });
    agent.mode(TestAgent.Mode.ACK);
    assertThat(join("e", "c1").getEndpoint().getPortMap(0).getHostPort()).isEqualTo(7000);
  }

  @Test
  void join_agentNacks_failsAndIsUndone() {
    f.api.createEndpoint(Api.endpoint("network1", Endpoint.newBuilder().setName("e")));
    f.api.createSandbox(Api.sandbox("c1", "node1"));
    agent.mode(TestAgent.Mode.NACK);
    assertFails(Status.Code.FAILED_PRECONDITION, "bridge exploded", () -> join("e", "c1"));
    assertThat(f.api.getEndpoint(GetEndpointRequest.newBuilder().setEndpoint("e").build()).getSandboxId()).isEmpty();
  }

  @Test
  void deleteEndpoint_joined_needsForce_andDeleteSandboxLeavesItsEndpoints() {
    f.api.createEndpoint(Api.endpoint("network1", Endpoint.newBuilder().setName("e")));
    f.api.createEndpoint(Api.endpoint("network1", Endpoint.newBuilder().setName("g")));
    f.api.createSandbox(Api.sandbox("c1", "node1"));
    join("e", "c1");
    assertThat(join("g", "c1").getEndpoint().getInterfaceName()).isEqualTo("eth1");
    assertFails(Status.Code.FAILED_PRECONDITION, "leave first",
        () -> f.api.deleteEndpoint(DeleteEndpointRequest.newBuilder().setEndpoint("e").build()));
    f.api.deleteEndpoint(DeleteEndpointRequest.newBuilder().setEndpoint("e").setForce(true).build());
    f.api.deleteSandbox(DeleteSandboxRequest.newBuilder().setSandbox("c1").build());
    assertThat(f.api.getEndpoint(GetEndpointRequest.newBuilder().setEndpoint("g").build()).getSandboxId()).isEmpty();
    assertThat(agent.last().getSandboxesList()).isEmpty();
    assertThat(agent.last().getEndpointsList()).isEmpty();
  }

  @Test
  void listNodes_showsTheRegisteredNodeReady_andDownAfterItsSessionEnds() throws Exception {
    assertThat(f.api.listNodes(ListNodesRequest.getDefaultInstance()).getNodesList()).singleElement()
        .satisfies(n -> assertThat(n.getStatus()).isEqualTo(NodeStatus.NODE_STATUS_READY));
    f.api.createSandbox(Api.sandbox("c1", "node1"));
    agent.close();
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(f.api.listNodes(ListNodesRequest.getDefaultInstance()).getNodesList()).singleElement()
            .satisfies(n -> assertThat(n.getStatus()).isEqualTo(NodeStatus.NODE_STATUS_DOWN)));
  }

  @Test
  void join_manyAtOnceOnOneNode_eachReturnsOnlyAfterTheAgentGotAStateWithIt() throws Exception {
    // concurrent publishes of one node share builds: a Join must still return only once a
    // snapshot holding its own endpoint reached the agent (and was acked)
    java.util.List<Boolean> seen = Api.concurrently(8, 16, i -> {
      String ep = "c" + i;
      f.api.createEndpoint(Api.endpoint("network1", Endpoint.newBuilder().setName(ep)));
      f.api.createSandbox(Api.sandbox("ctr-" + ep, "node1"));
      String id = join(ep, "ctr-" + ep).getEndpoint().getId();
      return agent.received.stream().anyMatch(s -> s.getEndpointsList().stream().anyMatch(e -> e.getId().equals(id)));
    });
    assertThat(seen).as("the agent had each endpoint when its Join returned").containsOnly(true);
    assertThat(agent.last().getEndpointsCount()).isEqualTo(16);
  }
}
