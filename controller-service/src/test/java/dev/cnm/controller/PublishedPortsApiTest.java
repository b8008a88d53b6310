package dev.cnm.controller;

import com.google.protobuf.StringValue;
import dev.cnm.api.v1.DeleteSandboxRequest;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.JoinRequest;
import dev.cnm.api.v1.JoinResponse;
import dev.cnm.api.v1.LeaveRequest;
import dev.cnm.api.v1.ListEndpointsRequest;
import dev.cnm.api.v1.PortBinding;
import dev.cnm.api.v1.Protocol;
import dev.cnm.controller.domain.ports.PortAllocator;
import dev.cnm.controller.domain.repository.StoreKeys;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static dev.cnm.controller.Api.assertFails;
import static dev.cnm.controller.Api.bridge;
import static org.assertj.core.api.Assertions.assertThat;

/** Published ports are claimed per node and per host address, the unspecified address taking every address. */
class PublishedPortsApiTest {
  @TempDir Path dir;
  ControllerFixture f;
  TestAgent node1;
  TestAgent node2;

  @BeforeEach
  void start() throws Exception {
    // a one-port ephemeral range: it serves one endpoint per node
    f = new ControllerFixture(dir, new PortAllocator(41000, 41000));
    node1 = f.agent("node1");
    node2 = new TestAgent(f.channel, "node2", "127.0.0.2").awaitRegistered();
    f.api.createNetwork(bridge("net", "10.60.0.0/24"));
  }

  @AfterEach
  void stop() {
    node1.close();
    node2.close();
    f.close();
  }

  /** An endpoint publishing container port 80 on {@code hostIp:hostPort} (hostIp may be empty). */
  private void endpoint(String name, String hostIp, int hostPort) {
    f.api.createEndpoint(Api.endpoint("net", Endpoint.newBuilder().setName(name).addPortBindings(
        PortBinding.newBuilder().setContainerPort(80).setHostIp(hostIp).setHostPort(hostPort))));
  }

  private JoinResponse join(String ep, String sb) {
    return f.api.join(JoinRequest.newBuilder().setEndpoint(ep).setSandbox(sb).build());
  }

  private void leave(String ep, String sb) {
    f.api.leave(LeaveRequest.newBuilder().setEndpoint(ep).setSandbox(sb).build());
  }

  private List<String> portKeys() {
    return f.storeClient.list(StoreKeys.PORTS, StringValue.parser()).stream().map(kv -> kv.key()).toList();
  }

  @Test
  void join_samePortOnTwoNodes_bothPublishIt() {
    endpoint("a", "", 80);
    endpoint("b", "", 80);
    f.api.createSandbox(Api.sandbox("c1", "node1"));
    f.api.createSandbox(Api.sandbox("c2", "node2"));

    assertThat(join("a", "c1").getEndpoint().getPortMap(0).getHostPort()).isEqualTo(80);
    assertThat(join("b", "c2").getEndpoint().getPortMap(0).getHostPort()).isEqualTo(80);
    assertThat(portKeys()).containsExactlyInAnyOrder(StoreKeys.PORTS + "node1/0.0.0.0/tcp/80",
        StoreKeys.PORTS + "node2/0.0.0.0/tcp/80");
    // each node was told its own endpoint's port
    assertThat(node2.last().getEndpointsList()).singleElement()
        .satisfies(e -> assertThat(e.getPortMap(0).getHostPort()).isEqualTo(80));
  }

  @Test
  void join_hostPortZeroOnTwoNodes_isChosenPerNode() {
    endpoint("a", "", 0);
    endpoint("b", "", 0);
    endpoint("c", "", 0);
    f.api.createSandbox(Api.sandbox("c1", "node1"));
    f.api.createSandbox(Api.sandbox("c2", "node2"));

    assertThat(join("a", "c1").getEndpoint().getPortMap(0).getHostPort()).isEqualTo(41000);
    assertThat(join("b", "c2").getEndpoint().getPortMap(0).getHostPort()).isEqualTo(41000);
    assertFails(Status.Code.RESOURCE_EXHAUSTED, "endpoint.port_bindings[0].host_port", () -> join("c", "c1"));
  }

  @Test
  void join_twoAddressesOfOneNode_bothPublishThePort() {
    endpoint("a", "127.0.0.1", 8080);
    endpoint("b", "192.0.2.10", 8080);
    f.api.createSandbox(Api.sandbox("c1", "node1"));

    assertThat(join("a", "c1").getEndpoint().getPortMap(0).getHostIp()).isEqualTo("127.0.0.1");
    assertThat(join("b", "c1").getEndpoint().getPortMap(0).getHostIp()).isEqualTo("192.0.2.10");
    assertThat(portKeys()).contains(StoreKeys.PORTS + "node1/127.0.0.1/tcp/8080",
        StoreKeys.PORTS + "node1/192.0.2.10/tcp/8080");
  }

  @Test
  void join_unspecifiedAddressThenOneAddress_isAlreadyExistsNamingThePort() {
    endpoint("any", "0.0.0.0", 8080);
    endpoint("lo", "127.0.0.1", 8080);
    f.api.createSandbox(Api.sandbox("c1", "node1"));
    join("any", "c1");

    assertFails(Status.Code.ALREADY_EXISTS, "endpoint.port_bindings[0].host_port: tcp port 8080 is already "
        + "published on 0.0.0.0 of node \"node1\"", () -> join("lo", "c1"));
    assertThat(portKeys()).containsExactly(StoreKeys.PORTS + "node1/0.0.0.0/tcp/8080");
    // another protocol is another port
    f.api.createEndpoint(Api.endpoint("net", Endpoint.newBuilder().setName("udp").addPortBindings(PortBinding
        .newBuilder().setContainerPort(80).setHostIp("127.0.0.1").setHostPort(8080).setProtocol(Protocol.PROTOCOL_UDP))));
    join("udp", "c1");
  }

  @Test
  void join_oneAddressThenUnspecifiedAddress_isAlreadyExistsNamingTheHolder() {
    endpoint("lo", "127.0.0.1", 8080);
    endpoint("any", "", 8080); // empty: the network's host_binding_ipv4, 0.0.0.0
    f.api.createSandbox(Api.sandbox("c1", "node1"));
    join("lo", "c1");

    assertFails(Status.Code.ALREADY_EXISTS, "endpoint.port_bindings[0].host_port: tcp port 8080 is already "
        + "published on 127.0.0.1 of node \"node1\"", () -> join("any", "c1"));
  }

  @Test
  void leave_freesTheClaimsAndTheirMarker_soTheUnspecifiedAddressCanTakeThePort() {
    endpoint("lo", "127.0.0.1", 8080);
    endpoint("doc", "192.0.2.10", 8080);
    endpoint("any", "0.0.0.0", 8080);
    f.api.createSandbox(Api.sandbox("c1", "node1"));
    f.api.createSandbox(Api.sandbox("c2", "node1"));
    join("lo", "c1");
    join("doc", "c2");

    leave("lo", "c1");
    assertFails(Status.Code.ALREADY_EXISTS, "192.0.2.10", () -> join("any", "c1"));
    f.api.deleteSandbox(DeleteSandboxRequest.newBuilder().setSandbox("c2").build());
    assertThat(portKeys()).as("no claim and no marker left").isEmpty();

    assertThat(join("any", "c1").getEndpoint().getPortMap(0).getHostPort()).isEqualTo(8080);
    leave("any", "c1");
    assertThat(portKeys()).isEmpty();
  }

  @Test
  void join_unspecifiedAndOneAddressAtOnce_exactlyOneWinsEachRound() throws Exception {
    f.api.createSandbox(Api.sandbox("c1", "node1"));
    for (int round = 0; round < 12; round++) {
      int port = 9000 + round;
      endpoint("any" + round, "0.0.0.0", port);
      endpoint("lo" + round, "127.0.0.1", port);
      int r = round;
      List<Boolean> won = Api.concurrently(2, 2, i -> {
        try {
          join((i == 0 ? "any" : "lo") + r, "c1");
          return true;
        } catch (StatusRuntimeException e) {
          assertThat(e.getStatus().getCode()).as(e.getStatus().toString())
              .isIn(Status.Code.ALREADY_EXISTS, Status.Code.ABORTED);
          return false;
        }
      });
      assertThat(won).as("round %d", round).containsExactlyInAnyOrder(true, false);
    }
  }

  @Test
  void createEndpoint_overlayWithPortBindings_isInvalidArgument_andWritesNothing() {
    f.api.createNetwork(OverlayNetworkApiTest.overlay("ov", "10.61.0.0/24", Map.of()));

    assertFails(Status.Code.INVALID_ARGUMENT, "endpoint.port_bindings", () -> f.api.createEndpoint(Api.endpoint("ov",
        Endpoint.newBuilder().setName("web").addPortBindings(PortBinding.newBuilder().setContainerPort(80)))));
    assertThat(f.api.listEndpoints(ListEndpointsRequest.newBuilder().setNetwork("ov").build()).getEndpointsList())
        .isEmpty();
    // the name is free and the address was not taken
    assertThat(f.api.createEndpoint(Api.endpoint("ov", Endpoint.newBuilder().setName("web"))).getIpv4Address())
        .isEqualTo("10.61.0.2/24");
  }
}
