package dev.cnm.cli.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cnm.api.v1.CreateNetworkRequest;
import dev.cnm.api.v1.CreateSandboxRequest;
import dev.cnm.api.v1.ListNetworksRequest;
import dev.cnm.api.v1.ListNodesRequest;
import dev.cnm.api.v1.ListSandboxesRequest;
import dev.cnm.api.v1.Network;
import dev.cnm.api.v1.NetworkControllerGrpc;
import dev.cnm.api.v1.Sandbox;
import dev.cnm.controller.ControllerServer;
import dev.cnm.ipam.domain.IpamConfig;
import dev.cnm.ipam.server.IpamServer;
import dev.cnm.runtime.Telemetry;
import dev.cnm.runtime.config.ServerOptions;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.grpc.Channels;
import dev.cnm.runtime.grpc.ClientOptions;
import dev.cnm.runtime.grpc.GrpcErrors;
import dev.cnm.store.StoreServer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The controller as {@code cnm up --listen 127.0.0.1:PORT} wires it, without certificates: the
 * Unix socket is trusted; the plaintext TCP listener serves reads and refuses an agent session and
 * every write with UNAUTHENTICATED (nothing registered, nothing written), unless insecureTcp.
 * (With mTLS, a node certificate's session: ControllerMtlsTest.)
 */
class ControllerPlainTcpTest {
  @TempDir Path dir;
  private final List<AutoCloseable> open = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private ControllerServer controller;

  @AfterEach
  void tearDown() throws Exception {
    channels.forEach(ManagedChannel::shutdownNow);
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private Path socket() {
    return dir.resolve("cnm.sock");
  }

  private void start(boolean insecureTcp) throws Exception {
    String id = UUID.randomUUID().toString();
    ClientOptions client = ClientOptions.plaintext(Telemetry.noop());
    StoreServer store = StoreServer.start(StoreServer.Backend.EMBEDDED, dir.resolve("store"), List.of(),
        ServerOptions.listeningOn("inprocess:store-" + id));
    open.add(store);
    IpamServer ipam = IpamServer.start("inprocess:store-" + id, ServerOptions.listeningOn("inprocess:ipam-" + id),
        client, IpamConfig.defaults());
    open.add(ipam);
    ServerOptions options = ServerOptions.builder().listen("unix:" + socket()).addListen("127.0.0.1:0")
        .insecureTcp(insecureTcp).build();
    controller = ControllerServer.start("inprocess:store-" + id, "inprocess:ipam-" + id, options, client);
    open.add(controller);
  }

  private ManagedChannel dial(String target) {
    ManagedChannel c = Channels.forTarget(target, ClientOptions.plaintext(Telemetry.noop()));
    channels.add(c);
    return c;
  }

  private NetworkControllerGrpc.NetworkControllerBlockingStub api(String target) {
    return NetworkControllerGrpc.newBlockingStub(dial(target)).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  private String tcp() {
    return "127.0.0.1:" + controller.port();
  }

  private static void assertUnauthenticated(Throwable e, String method) {
    assertThat(e).isInstanceOf(StatusRuntimeException.class);
    StatusRuntimeException s = (StatusRuntimeException) e;
    assertThat(s.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    CnmException mapped = GrpcErrors.fromStatus(s);
    assertThat(mapped.reason()).isEqualTo("TCP_CALLER_NOT_TRUSTED");
    assertThat(mapped.getMessage()).contains(method);
  }

  @Test
  void plainTcp_agentSession_unauthenticatedAndNodeNotRegistered() throws Exception {
    start(false);

    try (AgentStream agent = new AgentStream(dial(tcp()), "intruder")) {
      assertThatThrownBy(() -> agent.ended.get(20, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
          .satisfies(e -> assertUnauthenticated(e.getCause(), "cnm.v1.NodeAgent/Session"));
      assertThat(agent.received).isEmpty();
    }
    assertThat(api("unix:" + socket()).listNodes(ListNodesRequest.getDefaultInstance()).getNodesList()).isEmpty();
  }

  @Test
  void plainTcp_createSandboxWithExternalKey_unauthenticatedAndNothingWritten() throws Exception {
    start(false);

    assertThatThrownBy(() -> api(tcp()).createSandbox(CreateSandboxRequest.newBuilder().setSandbox(
        Sandbox.newBuilder().setContainerId("c1").setExternalKey("/proc/1/ns/net")).build()))
        .satisfies(e -> assertUnauthenticated(e, "cnm.v1.NetworkController/CreateSandbox"));
    assertThatThrownBy(() -> api(tcp()).createNetwork(CreateNetworkRequest.newBuilder()
        .setNetwork(Network.newBuilder().setName("n1").setDriver("bridge")).build()))
        .satisfies(e -> assertUnauthenticated(e, "cnm.v1.NetworkController/CreateNetwork"));
    assertThat(api("unix:" + socket()).listSandboxes(ListSandboxesRequest.getDefaultInstance()).getSandboxesList())
        .isEmpty();
  }

  @Test
  void plainTcp_reads_served_socketWrites_served() throws Exception {
    start(false);

    api("unix:" + socket()).createNetwork(CreateNetworkRequest.newBuilder()
        .setNetwork(Network.newBuilder().setName("n1").setDriver("null")).build());

    assertThat(api(tcp()).listNetworks(ListNetworksRequest.getDefaultInstance()).getNetworksList())
        .extracting(Network::getName).contains("n1");
  }

  @Test
  void plainTcpWithInsecureTcp_agentSessionRegisters() throws Exception {
    start(true);

    try (AgentStream agent = new AgentStream(dial(tcp()), "trusted-node")) {
      assertThat(agent.received.poll(20, TimeUnit.SECONDS)).as("a snapshot for the registered agent").isNotNull();
    }
  }
}
