package dev.cnm.controller;

import static dev.cnm.controller.Api.assertFails;
import static dev.cnm.controller.Api.bridge;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.api.v1.DeleteNetworkRequest;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.GetEndpointRequest;
import dev.cnm.api.v1.GetNetworkRequest;
import dev.cnm.api.v1.ListEndpointsRequest;
import dev.cnm.api.v1.PortBinding;
import dev.cnm.api.v1.PortSpec;
import dev.cnm.api.v1.Protocol;
import io.grpc.Status;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EndpointApiTest {
  @TempDir Path dir;
  ControllerFixture f;

  @BeforeEach
  void start() throws Exception {
    f = new ControllerFixture(dir);
    f.api.createNetwork(bridge("net", "10.60.0.0/24"));
  }

  @AfterEach
  void stop() {
    f.close();
  }

  private Endpoint create(Endpoint.Builder ep) {
    return f.api.createEndpoint(Api.endpoint("net", ep));
  }

  @Test
  void createEndpoint_allocatesAddressAndDerivesMacAsLibnetwork() {
    Endpoint ep = create(Endpoint.newBuilder().setName("e1").addAliases("web")
        .addExposedPorts(PortSpec.newBuilder().setPort(80)));
    assertThat(ep.getIpv4Address()).isEqualTo("10.60.0.2/24");
    assertThat(ep.getMacAddress()).isEqualTo("02:42:0a:3c:00:02");
    assertThat(ep.getNetworkName()).isEqualTo("net");
    assertThat(f.api.getEndpoint(GetEndpointRequest.newBuilder().setEndpoint("e1").build()).getId()).isEqualTo(ep.getId());
    assertThat(f.api.getEndpoint(GetEndpointRequest.newBuilder().setNetwork("net")
        .setEndpoint(ep.getId().substring(0, 12)).build()).getAliasesList()).containsExactly("web");
  }

  @Test
  void createEndpoint_staticIpAndMacOption_areUsed() {
    Endpoint ep = create(Endpoint.newBuilder().setName("s").setIpv4Address("10.60.0.50")
        .putOptions("com.docker.network.endpoint.macaddress", "02:00:00:00:00:aa"));
    assertThat(ep.getIpv4Address()).isEqualTo("10.60.0.50/24");
    assertThat(ep.getMacAddress()).isEqualTo("02:00:00:00:00:aa");
  }

  @Test
  void createEndpoint_badInput_failsNamingTheFieldAndChangesNothing() {
    create(Endpoint.newBuilder().setName("taken").setIpv4Address("10.60.0.9"));
    assertFails(Status.Code.ALREADY_EXISTS, "endpoint.name", () -> create(Endpoint.newBuilder().setName("taken")));
    assertFails(Status.Code.INVALID_ARGUMENT, "endpoint.name", () -> create(Endpoint.newBuilder().setName("")));
    assertFails(Status.Code.INVALID_ARGUMENT, "endpoint.name", () -> create(Endpoint.newBuilder().setName("x/y")));
    assertFails(Status.Code.INVALID_ARGUMENT, "endpoint.ipv4_address",
        () -> create(Endpoint.newBuilder().setName("o").setIpv4Address("10.61.0.5")));
    assertFails(Status.Code.ALREADY_EXISTS, "endpoint.ipv4_address",
        () -> create(Endpoint.newBuilder().setName("t").setIpv4Address("10.60.0.9")));
    assertFails(Status.Code.INVALID_ARGUMENT, "endpoint.port_bindings[0].container_port",
        () -> create(Endpoint.newBuilder().setName("p").addPortBindings(PortBinding.newBuilder().setHostPort(8080))));
    assertFails(Status.Code.INVALID_ARGUMENT, "endpoint.port_bindings[0].host_port",
        () -> create(Endpoint.newBuilder().setName("p").addPortBindings(PortBinding.newBuilder().setContainerPort(80)
            .setHostPort(70000))));
    assertFails(Status.Code.INVALID_ARGUMENT, "endpoint.port_bindings[0].container_port",
        () -> create(Endpoint.newBuilder().setName("p").addPortBindings(PortBinding.newBuilder().setContainerPort(65536))));
    assertFails(Status.Code.INVALID_ARGUMENT, "endpoint.port_bindings[0].protocol",
        () -> create(Endpoint.newBuilder().setName("p").addPortBindings(PortBinding.newBuilder().setContainerPort(80)
            .setProtocolValue(42))));
    assertFails(Status.Code.INVALID_ARGUMENT, "endpoint.mac_address",
        () -> create(Endpoint.newBuilder().setName("m").setMacAddress("zz:00")));
    assertFails(Status.Code.NOT_FOUND, "network", () -> f.api.createEndpoint(
        Api.endpoint("nope", Endpoint.newBuilder().setName("e"))));
    assertThat(f.api.listEndpoints(ListEndpointsRequest.getDefaultInstance()).getEndpointsList())
        .extracting(Endpoint::getName).containsExactly("taken");
    // nothing leaked from IPAM: the next address is the first free one
    assertThat(create(Endpoint.newBuilder().setName("next")).getIpv4Address()).isEqualTo("10.60.0.2/24");
  }

  @Test
  void createEndpoint_unknownProtocolInExposedPorts_isInvalid() {
    assertFails(Status.Code.INVALID_ARGUMENT, "endpoint.exposed_ports[0].protocol", () -> create(Endpoint.newBuilder()
        .setName("x").addExposedPorts(PortSpec.newBuilder().setPort(53).setProtocolValue(9))));
    assertThat(create(Endpoint.newBuilder().setName("udp").addExposedPorts(PortSpec.newBuilder().setPort(53)
        .setProtocol(Protocol.PROTOCOL_UDP))).getExposedPorts(0).getProtocol()).isEqualTo(Protocol.PROTOCOL_UDP);
  }

  @Test
  void createEndpoint_whileTheNetworkIsFencedForDeletion_failsAndLeavesNothing() {
    // DeleteNetwork fences the network before it checks for endpoints: a create that read the
    // network earlier must fail rather than land in a network about to be deleted
    String netId = f.api.getNetwork(GetNetworkRequest.newBuilder().setNetwork("net").build()).getId();
    f.storeClient.put(dev.cnm.controller.domain.repository.StoreKeys.networkDeleting(netId),
        com.google.protobuf.StringValue.of(netId), 0);

    assertFails(Status.Code.FAILED_PRECONDITION, "network", () -> create(Endpoint.newBuilder().setName("late")));

    f.storeClient.txn().deleteKey(dev.cnm.controller.domain.repository.StoreKeys.networkDeleting(netId)).commit();
    assertThat(f.api.listEndpoints(ListEndpointsRequest.newBuilder().setNetwork("net").build()).getEndpointsList())
        .isEmpty();
    // its address went back to IPAM: it can be taken again
    assertThat(create(Endpoint.newBuilder().setName("next").setIpv4Address("10.60.0.2")).getIpv4Address())
        .isEqualTo("10.60.0.2/24");
  }

  @Test
  void deleteNetwork_racingEndpointCreates_neverLeavesAnOrphanEndpoint() throws Exception {
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      for (int round = 0; round < 6; round++) {
        String name = "race" + round;
        f.api.createNetwork(bridge(name, "10.7" + round + ".0.0/24"));
        String netId = f.api.getNetwork(GetNetworkRequest.newBuilder().setNetwork(name).build()).getId();
        java.util.List<java.util.concurrent.Future<?>> creates = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
          String ep = "e" + i;
          creates.add(pool.submit(() -> f.api.createEndpoint(Api.endpoint(name, Endpoint.newBuilder().setName(ep)))));
        }
        boolean deleted;
        try {
          f.api.deleteNetwork(DeleteNetworkRequest.newBuilder().setNetwork(name).build());
          deleted = true;
        } catch (io.grpc.StatusRuntimeException e) {
          assertThat(e.getStatus().getCode()).isIn(Status.Code.FAILED_PRECONDITION, Status.Code.ABORTED);
          deleted = false;
        }
        for (java.util.concurrent.Future<?> c : creates) {
          try {
            c.get(30, java.util.concurrent.TimeUnit.SECONDS);
          } catch (java.util.concurrent.ExecutionException e) {
            // lost the race to the delete: fine, as long as nothing of it stays behind
          }
        }
        int stored = f.storeClient.list(dev.cnm.controller.domain.repository.StoreKeys.endpoints(netId),
            com.google.protobuf.StringValue.parser()).size();
        if (deleted) {
          assertThat(stored).as("endpoints left in deleted network %s", name).isZero();
        }
        assertThat(f.storeClient.get(dev.cnm.controller.domain.repository.StoreKeys.networkDeleting(netId),
            com.google.protobuf.StringValue.parser())).as("fence of %s", name).isEmpty();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void createEndpoint_manyConcurrentlyOnOneNetwork_allSucceedWithDistinctAddresses() throws Exception {
    java.util.List<Endpoint> created = Api.concurrently(4, 12, i -> create(Endpoint.newBuilder().setName("c" + i)));
    assertThat(created.stream().map(Endpoint::getIpv4Address).distinct()).hasSize(12);
  }

}
