package dev.cnm.controller;

import dev.cnm.api.v1.CreateNetworkRequest;
import dev.cnm.api.v1.CreateSandboxRequest;
import dev.cnm.api.v1.DeleteSandboxRequest;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.GetEndpointRequest;
import dev.cnm.api.v1.GetSandboxRequest;
import dev.cnm.api.v1.JoinRequest;
import dev.cnm.api.v1.JoinResponse;
import dev.cnm.api.v1.Network;
import dev.cnm.api.v1.Sandbox;
import dev.cnm.controller.domain.ports.PortAllocator;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static dev.cnm.controller.Api.assertFails;
import static dev.cnm.controller.Api.bridge;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Host-mode sandboxes (Docker's --network host): decided at CreateSandbox, keyed by the path the
 * agent keeps on its own namespace, and Joins that would mix host mode with other networks
 * refused both ways before anything is written.
 */
class HostNetworkApiTest {
  @TempDir Path dir;
  ControllerFixture f;
  TestAgent agent;

  @BeforeEach
  void start() throws Exception {
    f = new ControllerFixture(dir, new PortAllocator(40000, 40002));
    agent = f.agent("node1");
    f.api.createNetwork(bridge("network1", "10.51.0.0/24"));
    f.api.createNetwork(CreateNetworkRequest.newBuilder().setNetwork(Network.newBuilder().setName("host")
        .setDriver("host")).build());
    f.api.createEndpoint(Api.endpoint("host", Endpoint.newBuilder().setName("hostEp")));
    f.api.createEndpoint(Api.endpoint("network1", Endpoint.newBuilder().setName("bridgeEp")));
  }

  @AfterEach
  void stop() {
    agent.close();
    f.close();
  }

  private JoinResponse join(String ep, String sb) {
    return f.api.join(JoinRequest.newBuilder().setEndpoint(ep).setSandbox(sb).build());
  }

  private Sandbox hostMode(String container) {
    return f.api.createSandbox(CreateSandboxRequest.newBuilder().setSandbox(Sandbox.newBuilder()
        .setContainerId(container).setNode("node1").setHostNetwork(true)).build());
  }

  private Sandbox get(String sandbox) {
    return f.api.getSandbox(GetSandboxRequest.newBuilder().setSandbox(sandbox).build());
  }

  private Endpoint endpoint(String name) {
    return f.api.getEndpoint(GetEndpointRequest.newBuilder().setEndpoint(name).build());
  }

  @Test
  void createSandbox_hostNetwork_keyIsTheAgentsOwnNamespace_andTheAgentIsToldHostMode() {
    Sandbox sb = hostMode("c1");

    assertThat(sb.getHostNetwork()).isTrue();
    assertThat(sb.getKey()).isEqualTo(TestAgent.HOST_NAMESPACE);
    assertThat(get("c1").getKey()).isEqualTo(TestAgent.HOST_NAMESPACE);
    assertThat(agent.last().getSandboxesList()).singleElement().satisfies(s -> {
      assertThat(s.getHostNetwork()).isTrue();
      assertThat(s.getExternalKey()).isEmpty();
    });
  }

  @Test
  void createSandbox_hostNetworkWithAnExternalKey_isInvalidArgumentNamingTheField() {
    assertFails(Status.Code.INVALID_ARGUMENT, "sandbox.external_key", () -> f.api.createSandbox(
        CreateSandboxRequest.newBuilder().setSandbox(Sandbox.newBuilder().setContainerId("c1").setNode("node1")
            .setHostNetwork(true).setExternalKey("/proc/1/ns/net")).build()));
    assertThat(f.api.listSandboxes(dev.cnm.api.v1.ListSandboxesRequest.getDefaultInstance()).getSandboxesList())
        .isEmpty();
  }

  @Test
  void join_hostEndpointToAHostModeSandbox_succeedsWithoutAnInterface() {
    hostMode("c1");

    JoinResponse j = join("hostEp", "c1");

    assertThat(j.getEndpoint().getInterfaceName()).isEmpty();
    assertThat(j.getEndpoint().getIpv4Address()).isEmpty();
    assertThat(j.getSandbox().getEndpointIdsList()).containsExactly(j.getEndpoint().getId());
    assertThat(j.getSandbox().getKey()).isEqualTo(TestAgent.HOST_NAMESPACE);
  }

  @Test
  void join_hostModeSandboxToAnotherNetwork_isFailedPreconditionNamingTheSandbox_andWritesNothing() {
    Sandbox sb = hostMode("c1");
    join("hostEp", "c1");
    Sandbox before = get("c1");
    Endpoint epBefore = endpoint("bridgeEp");

    assertThatReason(() -> join("bridgeEp", "c1"), "SANDBOX_IN_HOST_NAMESPACE", "\"c1\" (" + sb.getId().substring(0, 12));
    assertThat(get("c1")).isEqualTo(before);
    assertThat(endpoint("bridgeEp")).isEqualTo(epBefore);
  }

  @Test
  void join_hostEndpointToASandboxWithItsOwnNamespace_isFailedPreconditionNamingTheSandbox_andWritesNothing() {
    f.api.createSandbox(Api.sandbox("plain", "node1"));
    Sandbox empty = get("plain");
    assertThatReason(() -> join("hostEp", "plain"), "SANDBOX_NOT_IN_HOST_NAMESPACE", "\"plain\"");
    assertThat(get("plain")).isEqualTo(empty);

    // and one that already has an endpoint on another network
    join("bridgeEp", "plain");
    Sandbox joined = get("plain");
    Endpoint hostEp = endpoint("hostEp");
    assertFails(Status.Code.FAILED_PRECONDITION, "sandbox", () -> join("hostEp", "plain"));
    assertThat(get("plain")).isEqualTo(joined);
    assertThat(endpoint("hostEp")).isEqualTo(hostEp);
    assertThat(endpoint("hostEp").getSandboxId()).isEmpty();
  }

  @Test
  void deleteSandbox_hostMode_deletesTheSandboxAndDetachesItsHostEndpoint() {
    hostMode("c1");
    join("hostEp", "c1");

    f.api.deleteSandbox(DeleteSandboxRequest.newBuilder().setSandbox("c1").build());

    assertFails(Status.Code.NOT_FOUND, null, () -> get("c1"));
    assertThat(endpoint("hostEp").getSandboxId()).isEmpty();
    assertThat(agent.last().getSandboxesList()).isEmpty();
  }

  private static void assertThatReason(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String reason,
      String inMessage) {
    org.assertj.core.api.Assertions.assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
      assertThat(e.getStatus().getDescription()).startsWith("sandbox: ").contains(inMessage);
      com.google.rpc.Status detail = io.grpc.protobuf.StatusProto.fromThrowable(e);
      assertThat(detail).isNotNull();
      assertThat(detail.getDetailsList().stream().filter(a -> a.is(com.google.rpc.ErrorInfo.class))
          .map(a -> unpack(a).getReason())).containsExactly(reason);
    });
  }

  private static com.google.rpc.ErrorInfo unpack(com.google.protobuf.Any a) {
    try {
      return a.unpack(com.google.rpc.ErrorInfo.class);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }
}
