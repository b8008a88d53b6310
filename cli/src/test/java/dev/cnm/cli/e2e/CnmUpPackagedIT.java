package dev.cnm.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cnm.api.v1.CreateEndpointRequest;
import dev.cnm.api.v1.CreateSandboxRequest;
import dev.cnm.api.v1.DeleteNetworkRequest;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.GetEndpointRequest;
import dev.cnm.api.v1.GetNetworkRequest;
import dev.cnm.api.v1.GetSandboxRequest;
import dev.cnm.api.v1.JoinRequest;
import dev.cnm.api.v1.JoinResponse;
import dev.cnm.api.v1.ListNodesRequest;
import dev.cnm.api.v1.NetworkControllerGrpc;
import dev.cnm.api.v1.NodeStatus;
import dev.cnm.api.v1.PortBinding;
import dev.cnm.api.v1.Sandbox;
import dev.cnm.runtime.Telemetry;
import dev.cnm.runtime.grpc.Channels;
import dev.cnm.runtime.grpc.ClientOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cnm up} as a real process with the real kernel, in a test-owned network namespace:
 * libnetwork's README scenario through the CLI and through the gRPC stubs, pings between
 * sandboxes and to the host, the error statuses, and a kill -9 and restart.
 */
class CnmUpPackagedIT {
  @TempDir Path dir;
  NetnsHost host;
  Process up;
  ManagedChannel channel;
  NetworkControllerGrpc.NetworkControllerBlockingStub api;

  Path socket() {
    return dir.resolve("cnm.sock");
  }

  Process startUp() throws Exception {
    Process p = host.cnm("up.log", "up", "--state-dir", dir.resolve("state").toString(), "--socket",
        socket().toString(), "--node", "cnmt-node", "--nft-table", "cnmt_up",
        "--no-userland-proxy");
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions().untilAsserted(() -> {
      assertThat(p.isAlive()).as("cnm up died:\n" + host.log("up.log")).isTrue();
      assertThat(api().listNodes(ListNodesRequest.getDefaultInstance()).getNodesList())
          .anySatisfy(n -> assertThat(n.getStatus()).isEqualTo(NodeStatus.NODE_STATUS_READY));
    });
    return p;
  }

  NetworkControllerGrpc.NetworkControllerBlockingStub api() {
    return api.withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  @BeforeEach
  void start() throws Exception {
    host = new NetnsHost(dir);
    channel = Channels.forTarget("unix:" + socket(), ClientOptions.plaintext(Telemetry.noop()));
    api = NetworkControllerGrpc.newBlockingStub(channel);
    up = startUp();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow();
    host.close();
  }

  private String cli(String... args) throws Exception {
    String[] cmd = new String[args.length + 6];
    cmd[0] = NetnsHost.JAVA;
    cmd[1] = "-jar";
    cmd[2] = NetnsHost.JAR.toString();
    cmd[3] = args[0];
    System.arraycopy(args, 1, cmd, 4, args.length - 1);
    cmd[args.length + 3] = "--host";
    cmd[args.length + 4] = "unix:" + socket();
    cmd[args.length + 5] = "--timeout=30";
    return NetnsHost.run(cmd);
  }

  @Test
  void readmeScenario_throughTheCli_andTheStubs_andTheKernel() throws Exception {
    cli("network", "create", "-o", "com.docker.network.bridge.name=cnmt0", "--subnet", "10.231.0.0/24", "network1");
    cli("endpoint", "create", "-p", "80", "-p", "8080:80", "network1", "Endpoint1");
    cli("sandbox", "create", "--hostname", "test", "--domainname", "docker.io", "container1");
    String joined = cli("join", "Endpoint1", "container1");
    assertThat(joined).contains("eth0").contains("10.231.0.2/24").contains("0.0.0.0:8080->80/tcp")
        .containsPattern("0\\.0\\.0\\.0:\\d+->80/tcp");
    Endpoint ep1 = api().getEndpoint(GetEndpointRequest.newBuilder().setEndpoint("Endpoint1").build());
    assertThat(ep1.getPortMapList()).extracting(PortBinding::getHostPort).contains(8080);

    // the same scenario through the stubs: a second endpoint and sandbox
    api().createEndpoint(CreateEndpointRequest.newBuilder().setNetwork("network1")
        .setEndpoint(Endpoint.newBuilder().setName("Endpoint2")).build());
    api().createSandbox(CreateSandboxRequest.newBuilder().setSandbox(Sandbox.newBuilder().setContainerId("container2")
        .setHostname("second")).build());
    JoinResponse j2 = api().join(JoinRequest.newBuilder().setEndpoint("Endpoint2").setSandbox("container2").build());
    assertThat(j2.getEndpoint().getIpv4Address()).isEqualTo("10.231.0.3/24");

    String key1 = api().getSandbox(GetSandboxRequest.newBuilder().setSandbox("container1").build()).getKey();
    String key2 = api().getSandbox(GetSandboxRequest.newBuilder().setSandbox("container2").build()).getKey();
    assertThat(host.inSandbox(key1, "ip", "-br", "addr", "show", "eth0")).contains("10.231.0.2/24");
    assertThat(host.inSandbox(key1, "ping", "-c", "1", "-W", "2", "10.231.0.3")).contains("1 received");
    assertThat(host.inSandbox(key2, "ping", "-c", "1", "-W", "2", "10.231.0.2")).contains("1 received");
    assertThat(host.inSandbox(key1, "ping", "-c", "1", "-W", "2", "10.231.0.1")).contains("1 received");

    assertThatThrownBy(() -> api().deleteNetwork(DeleteNetworkRequest.newBuilder().setNetwork("network1").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));
    assertThatThrownBy(() -> api().join(JoinRequest.newBuilder().setEndpoint("Endpoint1").setSandbox("container2").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS));

    // kill -9 mid-run and restart: every object and the kernel state are still there
    NetnsHost.kill9(up);
    up = startUp();
    assertThat(api().getNetwork(GetNetworkRequest.newBuilder().setNetwork("network1").build()).getName())
        .isEqualTo("network1");
    assertThat(api().getEndpoint(GetEndpointRequest.newBuilder().setEndpoint("Endpoint1").build()).getPortMapList())
        .isEqualTo(ep1.getPortMapList());
    assertThat(api().getSandbox(GetSandboxRequest.newBuilder().setSandbox("container1").build()).getKey()).isEqualTo(key1);
    assertThat(host.inSandbox(key1, "ping", "-c", "1", "-W", "2", "10.231.0.3")).contains("1 received");
    assertThat(cli("endpoint", "ls")).contains("Endpoint1").contains("Endpoint2");
  }

  @Test
  void createSandbox_externalKeyTheNodeFindsNoNamespace_isInvalidArgumentNamingItAndLeavesNothing() throws Exception {
    // the controller checks the path's form; the agent in the same process checks that it is a
    // network namespace, and its refusal comes back as the API's INVALID_ARGUMENT (one path)
    java.nio.file.Path plain = java.nio.file.Files.writeString(dir.resolve("plain-file"), "x");
    for (String key : new String[] {dir.resolve("cnmt-missing-netns").toString(), plain.toString()}) {
      assertThatThrownBy(() -> api().createSandbox(CreateSandboxRequest.newBuilder().setSandbox(Sandbox.newBuilder()
          .setContainerId("ext").setExternalKey(key)).build()))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).contains("sandbox.external_key").contains(key);
          });
    }
    assertThat(api().listSandboxes(dev.cnm.api.v1.ListSandboxesRequest.getDefaultInstance()).getSandboxesList()).isEmpty();
    // rolled back: the container id is free again, and the node applies what follows
    Sandbox ok = api().createSandbox(CreateSandboxRequest.newBuilder().setSandbox(Sandbox.newBuilder()
        .setContainerId("ext")).build());
    assertThat(host.inSandbox(ok.getKey(), "ip", "-br", "link", "show", "lo")).contains("lo");
  }

  @Test
  void cliError_isOneLineOnStderrAndNonZeroExit() throws Exception {
    Process p = new ProcessBuilder(NetnsHost.JAVA, "-jar", NetnsHost.JAR.toString(), "network", "rm", "nope",
        "--host", "unix:" + socket()).redirectErrorStream(false).start();
    String err = new String(p.getErrorStream().readAllBytes());
    assertThat(p.waitFor()).isEqualTo(1);
    assertThat(err.lines().filter(l -> l.startsWith("Error:")).toList()).singleElement()
        .satisfies(l -> assertThat(l).contains("NOT_FOUND").contains("network"));
  }
}
