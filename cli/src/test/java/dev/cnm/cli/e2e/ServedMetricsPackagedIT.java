package dev.cnm.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The four {@code cnm serve} processes as a deployment runs them (each with --metrics-listen),
 * in a test-owned network namespace with the real kernel: after a Join, a Leave and a drift the
 * agent repaired, each process's /metrics carries the metrics docs/metrics.md promises the operator.
 */
class ServedMetricsPackagedIT {
  private static final int STORE_METRICS = 19370;
  private static final int IPAM_METRICS = 19371;
  private static final int CONTROLLER_METRICS = 19372;
  private static final int AGENT_METRICS = 19373;

  @TempDir Path dir;
  NetnsHost host;
  ManagedChannel channel;

  @AfterEach
  void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (host != null) {
      host.close();
    }
  }

  private String socket(String name) {
    return "unix:" + dir.resolve(name + ".sock");
  }

  private Process startAgent() throws Exception {
    return host.cnm("agent.log", "serve", "agent", "--controller", socket("controller"), "--node", "cnmt-node",
        "--state-dir", dir.resolve("agent").toString(), "--nft-table", "cnmt_metrics", "--no-userland-proxy",
        "--metrics-listen", "127.0.0.1:" + AGENT_METRICS);
  }

  private String scrape(int port) throws Exception {
    return host.exec("curl", "-fsS", "--max-time", "5", "http://127.0.0.1:" + port + "/metrics");
  }

  @Test
  void afterJoinLeaveAndDrift_everyServeProcess_exposesTheDocumentedMetrics() throws Exception {
    host = new NetnsHost(dir);
    host.cnm("store.log", "serve", "store", "--backend", "embedded", "--data-dir", dir.resolve("store").toString(),
        "--listen", socket("store"), "--metrics-listen", "127.0.0.1:" + STORE_METRICS);
    host.cnm("ipam.log", "serve", "ipam", "--store", socket("store"), "--listen", socket("ipam"),
        "--metrics-listen", "127.0.0.1:" + IPAM_METRICS);
    host.cnm("controller.log", "serve", "controller", "--store", socket("store"), "--ipam", socket("ipam"),
        "--listen", socket("controller"), "--metrics-listen", "127.0.0.1:" + CONTROLLER_METRICS);
    Process agentProcess = startAgent();
    channel = Channels.forTarget(socket("controller"), ClientOptions.plaintext(Telemetry.noop()));
    var api = NetworkControllerGrpc.newBlockingStub(channel);
    Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300)).ignoreExceptions()
        .untilAsserted(() -> assertThat(api.withDeadlineAfter(5, TimeUnit.SECONDS)
            .listNodes(ListNodesRequest.getDefaultInstance()).getNodesList())
            .as("agent registered; logs:\n%s%s", host.log("controller.log"), host.log("agent.log"))
            .anySatisfy(n -> assertThat(n.getStatus()).isEqualTo(NodeStatus.NODE_STATUS_READY)));
    var call = api.withDeadlineAfter(30, TimeUnit.SECONDS);

    call.createNetwork(CreateNetworkRequest.newBuilder().setNetwork(Network.newBuilder().setName("net1")
        .setDriver("bridge").putOptions("com.docker.network.bridge.name", "cnmtm0")
        .setIpam(IpamConfig.newBuilder().addIpv4(IpamPool.newBuilder().setSubnet("10.232.0.0/24")))).build());
    call.createEndpoint(CreateEndpointRequest.newBuilder().setNetwork("net1")
        .setEndpoint(Endpoint.newBuilder().setName("ep1")).build());
    call.createSandbox(CreateSandboxRequest.newBuilder().setSandbox(Sandbox.newBuilder().setContainerId("c1")).build());
    call.join(JoinRequest.newBuilder().setEndpoint("ep1").setSandbox("c1").build());
    // drift: the bridge goes down behind the agent's back; the full reconcile of a new session
    // (the agent restarted) finds and repairs it
    host.exec("ip", "link", "set", "cnmtm0", "down");
    NetnsHost.kill9(agentProcess);
    startAgent();
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
        .untilAsserted(() -> assertThat(scrape(AGENT_METRICS)).contains("cnm_agent_reconcile_drift_found_total 1"));
    assertThat(host.exec("ip", "-br", "link", "show", "cnmtm0")).contains("UP");
    Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).ignoreExceptions()
        .untilAsserted(() -> assertThat(scrape(CONTROLLER_METRICS))
            .contains("cnm_controller_desired_version_lag{node=\"cnmt-node\"} 0"));
    api.withDeadlineAfter(30, TimeUnit.SECONDS).leave(LeaveRequest.newBuilder().setEndpoint("ep1").setSandbox("c1").build());

    String controller = scrape(CONTROLLER_METRICS);
    assertThat(controller).contains(
        "cnm_controller_join_duration_seconds_bucket{outcome=\"ok\"",
        "cnm_controller_join_duration_seconds_count{outcome=\"ok\"} 1",
        "cnm_controller_leave_duration_seconds_bucket{outcome=\"ok\"",
        "cnm_controller_agents_connected 1",
        "cnm_controller_desired_version_lag{node=\"cnmt-node\"} 0",
        "cnm_controller_snapshot_acks_total",
        "cnm_controller_snapshot_nacks_total",
        "grpc_server_started_total{grpc_method=\"Join\"",
        "grpc_server_handling_seconds_bucket{grpc_code=\"OK\",grpc_method=\"Join\"",
        "grpc_client_handling_seconds_bucket{grpc_code=\"OK\",grpc_method=\"Txn\",grpc_service=\"cnm.v1.Store\"",
        "cnm_store_client_txn_conflicts_total",
        "cnm_store_client_txn_retries_total",
        "process_uptime_seconds");

    String ipam = scrape(IPAM_METRICS);
    assertThat(ipam).contains(
        "cnm_ipam_utilization_ratio{kind=\"pool\"",
        "cnm_ipam_operation_duration_seconds_bucket{op=\"request_address\",outcome=\"ok\"",
        "cnm_ipam_store_conflicts_total",
        "cnm_store_client_txn_conflicts_total",
        "grpc_server_handling_seconds_bucket{grpc_code=\"OK\",grpc_method=\"RequestAddress\",grpc_service=\"cnm.v1.Ipam\"");

    String store = scrape(STORE_METRICS);
    assertThat(store).contains(
        "grpc_server_handling_seconds_bucket{grpc_code=\"OK\",grpc_method=\"Txn\",grpc_service=\"cnm.v1.Store\"",
        "grpc_server_started_total{grpc_method=\"Txn\",grpc_service=\"cnm.v1.Store\"");

    String agent = scrape(AGENT_METRICS);
    assertThat(agent).contains(
        "cnm_agent_reconcile_duration_seconds_bucket{",
        "cnm_agent_reconcile_duration_seconds_count{mode=\"full\",outcome=\"ok\"} 1",
        "cnm_agent_reconcile_objects_total{action=\"drift\"} 1",
        "cnm_agent_reconcile_drift_found_total",
        "cnm_agent_nft_apply_seconds_count",
        "grpc_client_started_total{grpc_method=\"Session\",grpc_service=\"cnm.v1.NodeAgent\"");
    assertThat(host.exec("curl", "-fsS", "--max-time", "5", "http://127.0.0.1:" + AGENT_METRICS + "/healthz"))
        .isEqualTo("ok\n");
  }
}
