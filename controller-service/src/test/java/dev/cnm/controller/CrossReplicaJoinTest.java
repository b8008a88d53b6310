package dev.cnm.controller;

import dev.cnm.runtime.grpc.GrpcErrors;
import com.google.protobuf.Int64Value;
import dev.cnm.api.v1.DeleteSandboxRequest;
import dev.cnm.api.v1.DesiredState;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.JoinRequest;
import dev.cnm.api.v1.LeaveRequest;
import dev.cnm.api.v1.NetworkControllerGrpc;
import dev.cnm.api.v1.NodeEndpoint;
import dev.cnm.api.v1.NodeSandbox;
import dev.cnm.api.v1.Sandbox;
import dev.cnm.controller.domain.ports.PortAllocator;
import dev.cnm.controller.domain.repository.StoreKeys;
import dev.cnm.controller.driver.DriverRegistry;
import dev.cnm.controller.ipam.GrpcAddressAllocator;
import dev.cnm.store.client.StoreClient;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static dev.cnm.controller.Api.bridge;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Two controller replicas over one store; the node's agent holds its session with replica A
 * while the calls go to replica B (half of all calls behind a load-balanced Service): B's
 * Join, CreateSandbox and Leave reach the node through A and return once the node applied them.
 */
class CrossReplicaJoinTest {
  @TempDir Path dir;
  ControllerFixture f;
  ControllerCore coreB;
  Server serverB;
  ManagedChannel channelB;
  NetworkControllerGrpc.NetworkControllerBlockingStub apiB;

  @BeforeEach
  void start() throws Exception {
    f = new ControllerFixture(dir);
    coreB = new ControllerCore(new StoreClient(f.store.channel(), Duration.ofSeconds(5)),
        new GrpcAddressAllocator(f.ipamChannel, Duration.ofSeconds(10)), DriverRegistry.builtIn(),
        new PortAllocator(PortAllocator.DEFAULT_LOW, PortAllocator.DEFAULT_HIGH), Duration.ofSeconds(5));
    String name = "cnmt-controllerB-" + UUID.randomUUID();
    InProcessServerBuilder sb = InProcessServerBuilder.forName(name);
    coreB.services().forEach(sb::addService);
    sb.intercept(GrpcErrors.serverInterceptor()); // as CnmServer serves them: errors mapped once
    serverB = sb.build().start();
    channelB = InProcessChannelBuilder.forName(name).build();
    apiB = NetworkControllerGrpc.newBlockingStub(channelB);
  }

  @AfterEach
  void stop() {
    if (channelB != null) {
      channelB.shutdownNow();
      serverB.shutdownNow();
    }
    if (coreB != null) {
      coreB.close();
    }
    f.close();
  }

  /** The newest snapshot the agent received (and acked) that satisfies a condition, if any. */
  private static boolean received(TestAgent agent, java.util.function.Predicate<DesiredState> p) {
    return agent.received.stream().anyMatch(p);
  }

  private static List<String> joined(DesiredState s) {
    return s.getEndpointsList().stream().map(NodeEndpoint::getName).toList();
  }

  @Test
  void createSandboxJoinLeave_throughTheReplicaWithoutTheSession_succeedAndReachTheAgent() throws Exception {
    TestAgent agent = new TestAgent(f.channel, "nodeA", "127.0.0.1", "/run/cnmt/netns").awaitRegistered();
    try {
      apiB.createNetwork(bridge("net1", "10.61.0.0/24"));
      apiB.createEndpoint(Api.endpoint("net1", Endpoint.newBuilder().setName("ep1")));

      long t0 = System.nanoTime();
      Sandbox sb = apiB.createSandbox(Api.sandbox("c1", "nodeA"));
      // returned only once the node applied it: the agent already holds the sandbox
      assertThat(agent.last().getSandboxesList()).extracting(NodeSandbox::getId).containsExactly(sb.getId());

      Endpoint ep = apiB.join(JoinRequest.newBuilder().setEndpoint("ep1").setSandbox("c1").build()).getEndpoint();
      assertThat(ep.getSandboxId()).isEqualTo(sb.getId());
      assertThat(joined(agent.last())).containsExactly("ep1");
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("well within the 5 s agent deadline")
          .isLessThan(Duration.ofSeconds(4));

      // the record B waited on: A wrote the revision the node's acked state covers
      long recorded = f.storeClient.get(StoreKeys.nodeAck("nodeA"), Int64Value.parser()).orElseThrow()
          .value().getValue();
      assertThat(recorded).isGreaterThanOrEqualTo(ep.getRevision());

      apiB.leave(LeaveRequest.newBuilder().setEndpoint("ep1").setSandbox("c1").build());
      await().atMost(Duration.ofSeconds(10)).until(() -> joined(agent.last()).isEmpty());
      assertThat(agent.last().getSandboxesList()).extracting(NodeSandbox::getId).containsExactly(sb.getId());

      apiB.deleteSandbox(DeleteSandboxRequest.newBuilder().setSandbox("c1").build());
      await().atMost(Duration.ofSeconds(10)).until(() -> agent.last().getSandboxesCount() == 0);
      assertThat(received(agent, s -> joined(s).contains("ep1"))).isTrue();
    } finally {
      agent.close();
    }
  }

  @Test
  void joins_alternatingBetweenReplicas_eachReturnsOnceTheAgentHoldsIt() throws Exception {
    TestAgent agent = new TestAgent(f.channel, "nodeA").awaitRegistered();
    try {
      f.api.createNetwork(bridge("net1", "10.63.0.0/24"));
      for (int i = 0; i < 12; i++) {
        NetworkControllerGrpc.NetworkControllerBlockingStub api = i % 2 == 0 ? apiB : f.api;
        api.createSandbox(Api.sandbox("c" + i, "nodeA"));
        api.createEndpoint(Api.endpoint("net1", Endpoint.newBuilder().setName("ep" + i)));
        api.join(JoinRequest.newBuilder().setEndpoint("ep" + i).setSandbox("c" + i).build());
        assertThat(joined(agent.last())).as("after join %d", i).contains("ep" + i).hasSize(i + 1);
      }
    } finally {
      agent.close();
    }
  }

  @Test
  void join_throughTheOtherReplica_agentSilent_deadlineExceededAndTheJoinUndone() throws Exception {
    TestAgent agent = new TestAgent(f.channel, "nodeA").awaitRegistered();
    try {
      apiB.createNetwork(bridge("net1", "10.62.0.0/24"));
      apiB.createEndpoint(Api.endpoint("net1", Endpoint.newBuilder().setName("ep1")));
      apiB.createSandbox(Api.sandbox("c1", "nodeA"));
      agent.mode(TestAgent.Mode.SILENT);

      assertThatThrownBy(() -> apiB.withDeadlineAfter(3, java.util.concurrent.TimeUnit.SECONDS)
          .join(JoinRequest.newBuilder().setEndpoint("ep1").setSandbox("c1").build()))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(f.api.getEndpoint(
          dev.cnm.api.v1.GetEndpointRequest.newBuilder().setEndpoint("ep1").build()).getSandboxId())
          .isEmpty());
    } finally {
      agent.close();
    }
  }
}
