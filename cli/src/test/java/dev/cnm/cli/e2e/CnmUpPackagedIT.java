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
import dev.cnm.api.v1.PortBinding;
import dev.cnm.api.v1.Sandbox;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.List;
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
  CnmUpNode node;

  @BeforeEach
  void start() throws Exception {
    node = new CnmUpNode(dir, "cnmt_up");
  }

  @AfterEach
  void stop() throws Exception {
    node.close();
  }

  @Test
  void readmeScenario_throughTheCli_andTheStubs_andTheKernel() throws Exception {
    node.cli("network", "create", "-o", "com.docker.network.bridge.name=cnmt0", "--subnet", "10.231.0.0/24", "network1");
    node.cli("endpoint", "create", "-p", "80", "-p", "8080:80", "network1", "Endpoint1");
    node.cli("sandbox", "create", "--hostname", "test", "--domainname", "docker.io", "container1");
    String joined = node.cli("join", "Endpoint1", "container1");
    assertThat(joined).contains("eth0").contains("10.231.0.2/24").contains("0.0.0.0:8080->80/tcp")
        .containsPattern("0\\.0\\.0\\.0:\\d+->80/tcp");
    Endpoint ep1 = node.api().getEndpoint(GetEndpointRequest.newBuilder().setEndpoint("Endpoint1").build());
    assertThat(ep1.getPortMapList()).extracting(PortBinding::getHostPort).contains(8080);

    // the same scenario through the stubs: a second endpoint and sandbox
    node.api().createEndpoint(CreateEndpointRequest.newBuilder().setNetwork("network1")
        .setEndpoint(Endpoint.newBuilder().setName("Endpoint2").addAliases("db")).build());
    node.api().createSandbox(CreateSandboxRequest.newBuilder().setSandbox(Sandbox.newBuilder().setContainerId("container2")
        .setHostname("second")).build());
    JoinResponse j2 = node.api().join(JoinRequest.newBuilder().setEndpoint("Endpoint2").setSandbox("container2").build());
    assertThat(j2.getEndpoint().getIpv4Address()).isEqualTo("10.231.0.3/24");

    String key1 = node.api().getSandbox(GetSandboxRequest.newBuilder().setSandbox("container1").build()).getKey();
    String key2 = node.api().getSandbox(GetSandboxRequest.newBuilder().setSandbox("container2").build()).getKey();
    assertThat(node.host.inSandbox(key1, "ip", "-br", "addr", "show", "eth0")).contains("10.231.0.2/24");
    assertThat(node.host.inSandbox(key1, "ping", "-c", "1", "-W", "2", "10.231.0.3")).contains("1 received");
    assertThat(node.host.inSandbox(key2, "ping", "-c", "1", "-W", "2", "10.231.0.2")).contains("1 received");
    assertThat(node.host.inSandbox(key1, "ping", "-c", "1", "-W", "2", "10.231.0.1")).contains("1 received");
    // the README's names step: container1 finds container2 by alias, endpoint name and host name
    for (String name : List.of("db", "Endpoint2", "second")) {
      assertThat(node.host.inSandbox(key1, "dig", "@127.0.0.11", "+short", "+tries=1", name)).isEqualTo("10.231.0.3\n");
    }

    assertThatThrownBy(() -> node.api().deleteNetwork(DeleteNetworkRequest.newBuilder().setNetwork("network1").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));
    assertThatThrownBy(() -> node.api().join(JoinRequest.newBuilder().setEndpoint("Endpoint1").setSandbox("container2").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS));

    // kill -9 mid-run and restart: every object and the kernel state are still there
    node.killAndRestart();
    assertThat(node.api().getNetwork(GetNetworkRequest.newBuilder().setNetwork("network1").build()).getName())
        .isEqualTo("network1");
    assertThat(node.api().getEndpoint(GetEndpointRequest.newBuilder().setEndpoint("Endpoint1").build()).getPortMapList())
        .isEqualTo(ep1.getPortMapList());
    assertThat(node.api().getSandbox(GetSandboxRequest.newBuilder().setSandbox("container1").build()).getKey()).isEqualTo(key1);
    assertThat(node.host.inSandbox(key1, "ping", "-c", "1", "-W", "2", "10.231.0.3")).contains("1 received");
    // the restarted agent serves the sandboxes' resolvers again (the old one's sockets died with it)
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(node.host.inSandbox(key1, "dig", "@127.0.0.11", "+short", "+tries=1", "db")).isEqualTo("10.231.0.3\n"));
    assertThat(node.cli("endpoint", "ls")).contains("Endpoint1").contains("Endpoint2");
  }

  @Test
  void createSandbox_externalKeyTheNodeFindsNoNamespace_isInvalidArgumentNamingItAndLeavesNothing() throws Exception {
    // the controller checks the path's form; the agent in the same process checks that it is a
    // network namespace, and its refusal comes back as the API's INVALID_ARGUMENT (one path)
    java.nio.file.Path plain = java.nio.file.Files.writeString(dir.resolve("plain-file"), "x");
    for (String key : new String[] {dir.resolve("cnmt-missing-netns").toString(), plain.toString()}) {
      assertThatThrownBy(() -> node.api().createSandbox(CreateSandboxRequest.newBuilder().setSandbox(Sandbox.newBuilder()
          .setContainerId("ext").setExternalKey(key)).build()))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).contains("sandbox.external_key").contains(key);
          });
    }
    assertThat(node.api().listSandboxes(dev.cnm.api.v1.ListSandboxesRequest.getDefaultInstance()).getSandboxesList()).isEmpty();
    // rolled back: the container id is free again, and the node applies what follows
    Sandbox ok = node.api().createSandbox(CreateSandboxRequest.newBuilder().setSandbox(Sandbox.newBuilder()
        .setContainerId("ext")).build());
    assertThat(node.host.inSandbox(ok.getKey(), "ip", "-br", "link", "show", "lo")).contains("lo");
  }

  @Test
  void cliError_isOneLineOnStderrAndNonZeroExit() throws Exception {
    Process p = new ProcessBuilder(NetnsHost.JAVA, "-jar", NetnsHost.JAR.toString(), "network", "rm", "nope",
        "--host", "unix:" + node.socket()).redirectErrorStream(false).start();
    String err = new String(p.getErrorStream().readAllBytes());
    assertThat(p.waitFor()).isEqualTo(1);
    assertThat(err.lines().filter(l -> l.startsWith("Error:")).toList()).singleElement()
        .satisfies(l -> assertThat(l).contains("NOT_FOUND").contains("network"));
  }
}
