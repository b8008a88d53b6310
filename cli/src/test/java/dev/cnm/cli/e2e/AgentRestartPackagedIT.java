package dev.cnm.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cnm.api.v1.CreateEndpointRequest;
import dev.cnm.api.v1.CreateNetworkRequest;
import dev.cnm.api.v1.CreateSandboxRequest;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.IpamConfig;
import dev.cnm.api.v1.IpamPool;
import dev.cnm.api.v1.JoinRequest;
import dev.cnm.api.v1.LeaveRequest;
import dev.cnm.api.v1.ListNodesRequest;
import dev.cnm.api.v1.Network;
import dev.cnm.api.v1.NetworkControllerGrpc;
import dev.cnm.api.v1.NodeStatus;
import dev.cnm.api.v1.Sandbox;
import dev.cnm.runtime.Telemetry;
import dev.cnm.runtime.grpc.Channels;
import dev.cnm.runtime.grpc.ClientOptions;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A separate agent process on a second test "host" (its own namespace, linked to the first by a
 * veth pair): kill -9 of the agent leaves its sandboxes working, and the restarted agent
 * reconciles what changed while it was away without disturbing the rest.
 */
class AgentRestartPackagedIT {
  @TempDir Path dir;
  NetnsHost hostA;
  NetnsHost hostB;
  ManagedChannel channel;
  NetworkControllerGrpc.NetworkControllerBlockingStub api;
  Process agent;

  NetworkControllerGrpc.NetworkControllerBlockingStub api() {
    return api.withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  @BeforeEach
  void start() throws Exception {
    hostA = new NetnsHost(dir);
    hostB = new NetnsHost(dir);
    String a = "cnmtva" + hostA.name.substring(10, 14);
    String b = "cnmtvb" + hostA.name.substring(10, 14);
    NetnsHost.run("ip", "link", "add", a, "netns", hostA.name, "type", "veth", "peer", "name", b, "netns", hostB.name);
    NetnsHost.run("ip", "-n", hostA.name, "addr", "add", "10.233.0.1/30", "dev", a);
    NetnsHost.run("ip", "-n", hostB.name, "addr", "add", "10.233.0.2/30", "dev", b);
    NetnsHost.run("ip", "-n", hostA.name, "link", "set", a, "up");
    NetnsHost.run("ip", "-n", hostB.name, "link", "set", b, "up");
    Path socket = dir.resolve("cnm.sock");
    hostA.cnm("up.log", "up", "--state-dir", dir.resolve("a").toString(), "--socket", socket.toString(),
        "--listen", "10.233.0.1:7372", "--insecure-tcp", "--node", "cnmt-a", "--nft-table", "cnmt_a", "--no-userland-proxy");
    channel = Channels.forTarget("unix:" + socket, ClientOptions.plaintext(Telemetry.noop()));
    api = NetworkControllerGrpc.newBlockingStub(channel);
    agent = startAgent();
  }

  private Process startAgent() throws Exception {
    Process p = hostB.cnm("agent.log", "serve", "agent", "--controller", "10.233.0.1:7372", "--node", "cnmt-b",
        "--advertise-address", "10.233.0.2", "--state-dir", dir.resolve("b").toString(), "--nft-table", "cnmt_b",
        "--no-userland-proxy");
    Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
        .untilAsserted(() -> {
          assertThat(p.isAlive()).as("agent died:\n" + hostB.log("agent.log")).isTrue();
          assertThat(api().listNodes(ListNodesRequest.getDefaultInstance()).getNodesList())
              .anySatisfy(n -> {
                assertThat(n.getName()).isEqualTo("cnmt-b");
                assertThat(n.getStatus()).isEqualTo(NodeStatus.NODE_STATUS_READY);
              });
        });
    return p;
  }

  @AfterEach
  void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow();
    }
    hostB.close();
    hostA.close();
  }

  private String attach(String name, String container) {
    api().createEndpoint(CreateEndpointRequest.newBuilder().setNetwork("net")
        .setEndpoint(Endpoint.newBuilder().setName(name)).build());
    String key = api().createSandbox(CreateSandboxRequest.newBuilder()
        .setSandbox(Sandbox.newBuilder().setContainerId(container).setNode("cnmt-b")).build()).getKey();
    api().join(JoinRequest.newBuilder().setEndpoint(name).setSandbox(container).build());
    return key;
  }

  @Test
  void agentKilled_sandboxesKeepWorking_andTheRestartedAgentReconciles() throws Exception {
    api().createNetwork(CreateNetworkRequest.newBuilder().setNetwork(Network.newBuilder().setName("net")
        .putOptions("bridge_name", "cnmtb0").setIpam(IpamConfig.newBuilder()
            .addIpv4(IpamPool.newBuilder().setSubnet("10.234.0.0/24")))).build());
    String key1 = attach("e1", "c1");
    String key2 = attach("e2", "c2");
    assertThat(hostB.inSandbox(key1, "ping", "-c", "1", "-W", "2", "10.234.0.3")).contains("1 received");

    NetnsHost.kill9(agent);
    // the kernel keeps working without its agent
    assertThat(hostB.inSandbox(key1, "ping", "-c", "1", "-W", "2", "10.234.0.3")).contains("1 received");
    // a change made while the agent is away (the controller does not wait for a node that is gone)
    api().leave(LeaveRequest.newBuilder().setEndpoint("e2").setSandbox("c2").build());

    agent = startAgent();
    Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(hostB.inSandbox(key2, "ip", "-br", "link")).doesNotContain("eth0"));
    assertThat(hostB.inSandbox(key1, "ping", "-c", "1", "-W", "2", "10.234.0.1")).contains("1 received");
    assertThatThrownBy(() -> hostB.inSandbox(key1, "ping", "-c", "1", "-W", "1", "10.234.0.3"))
        .isInstanceOf(AssertionError.class);
  }

}
