package dev.cnm.controller;

import dev.cnm.runtime.grpc.GrpcErrors;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.GetEndpointRequest;
import dev.cnm.api.v1.JoinRequest;
import dev.cnm.api.v1.NetworkControllerGrpc;
import dev.cnm.api.v1.NodeNetwork;
import dev.cnm.api.v1.OverlayPeer;
import dev.cnm.controller.domain.ports.PortAllocator;
import dev.cnm.controller.driver.DriverRegistry;
import dev.cnm.controller.ipam.GrpcAddressAllocator;
import dev.cnm.store.client.StoreClient;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two controller replicas over one store, each holding one node's session: a join made through
 * one replica reaches the node of the other (each replica watches the store), and when a replica
 * dies without revoking its node's lease, the lease expires and the other nodes drop that node's
 * peers; the node converges again when it reconnects to the surviving replica.
 */
class OverlayReplicasTest {
  static final Duration WAIT = Duration.ofSeconds(15);
  @TempDir Path dir;
  ControllerFixture f;
  StoreCutter cutter = new StoreCutter();
  ControllerCore core2;
  Server server2;
  ManagedChannel channel2;
  NetworkControllerGrpc.NetworkControllerBlockingStub api2;

  /** Stops forwarding what replica 2 sends to the store (its lease keep-alives): a crash as the store sees it. */
  static final class StoreCutter implements ClientInterceptor {
    volatile boolean cut;

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> m, CallOptions o, Channel next) {
      return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(m, o)) {
        @Override
        public void sendMessage(Q message) {
          if (!cut) {
            super.sendMessage(message);
          }
        }
      };
    }
  }

  @BeforeEach
  void start() throws Exception {
    f = new ControllerFixture(dir);
    StoreClient store2 = new StoreClient(ClientInterceptors.intercept(f.store.channel(), cutter), Duration.ofSeconds(2));
    core2 = new ControllerCore(store2, new GrpcAddressAllocator(f.ipamChannel, Duration.ofSeconds(10)),
        DriverRegistry.builtIn(), new PortAllocator(PortAllocator.DEFAULT_LOW, PortAllocator.DEFAULT_HIGH),
        Duration.ofSeconds(5));
    String name = "cnmt-controller2-" + UUID.randomUUID();
    InProcessServerBuilder sb = InProcessServerBuilder.forName(name);
    core2.services().forEach(sb::addService);
    sb.intercept(GrpcErrors.serverInterceptor()); // as CnmServer serves them: errors mapped once
    server2 = sb.build().start();
    channel2 = InProcessChannelBuilder.forName(name).build();
    api2 = NetworkControllerGrpc.newBlockingStub(channel2);
  }

  @AfterEach
  void stop() {
    if (channel2 != null) {
      channel2.shutdownNow();
      server2.shutdownNow();
    }
    if (core2 != null) {
      core2.close();
    }
    f.close();
  }

  private static List<String> peerIds(TestAgent agent) {
    return agent.last().getNetworksList().stream().filter(NodeNetwork::hasOverlay).findFirst()
        .map(n -> n.getOverlay().getPeersList().stream().map(OverlayPeer::getEndpointId).toList()).orElse(List.of());
  }

  @Test
  void joinThroughOneReplica_reachesTheOthersNode_andAReplicaCrash_expiresItsNodesPeers() throws Exception {
    TestAgent a = new TestAgent(f.channel, "hostA", "192.0.2.1").awaitRegistered();
    TestAgent b = new TestAgent(channel2, "hostB", "192.0.2.2").awaitRegistered();
    try {
      f.api.createNetwork(OverlayNetworkApiTest.overlay("ov", "10.230.0.0/24", Map.of()));
      f.api.createSandbox(Api.sandbox("ca", "hostA"));
      api2.createSandbox(Api.sandbox("cb", "hostB"));
      f.api.createEndpoint(Api.endpoint("ov", Endpoint.newBuilder().setName("ea")));
      f.api.createEndpoint(Api.endpoint("ov", Endpoint.newBuilder().setName("eb")));
      Endpoint ea = f.api.join(JoinRequest.newBuilder().setEndpoint("ea").setSandbox("ca").build()).getEndpoint();
      Endpoint eb = api2.join(JoinRequest.newBuilder().setEndpoint("eb").setSandbox("cb").build()).getEndpoint();
      await().atMost(WAIT).untilAsserted(() -> {
        assertThat(peerIds(a)).containsExactly(eb.getId());
        assertThat(peerIds(b)).containsExactly(ea.getId());
      });

      cutter.cut = true; // replica 2 "crashes": its keep-alives stop, nothing revokes the lease
      await().atMost(WAIT).untilAsserted(() -> assertThat(peerIds(a)).isEmpty());
      assertThat(f.api.getEndpoint(GetEndpointRequest.newBuilder().setEndpoint("eb").build()).getNodeDown()).isTrue();

      // the agent fails over to the surviving replica
      try (TestAgent b2 = new TestAgent(f.channel, "hostB", "192.0.2.2").awaitRegistered()) {
        await().atMost(WAIT).untilAsserted(() -> {
          assertThat(peerIds(a)).containsExactly(eb.getId());
          assertThat(peerIds(b2)).containsExactly(ea.getId());
        });
        assertThat(f.api.getEndpoint(GetEndpointRequest.newBuilder().setEndpoint("eb").build()).getNodeDown())
            .isFalse();
      }
    } finally {
      a.close();
      b.close();
    }
  }
}
