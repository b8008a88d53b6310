package dev.cnm.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.api.v1.CreateEndpointRequest;
import dev.cnm.api.v1.CreateSandboxRequest;
import dev.cnm.api.v1.DeleteEndpointRequest;
import dev.cnm.api.v1.DeleteSandboxRequest;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.JoinRequest;
import dev.cnm.api.v1.LeaveRequest;
import dev.cnm.api.v1.Sandbox;
import java.time.Duration;
import org.awaitility.Awaitility;

/**
 * A container of the three-host tests: endpoint {@code name} of a network, joined to a sandbox
 * of the same name on one host, with what the Join returned (address, MAC) and the sandbox's
 * key (its network namespace).
 */
record ClusterSandbox(ThreeHostCluster cluster, String network, String name, ThreeHostCluster.Host host,
    String key, String ip, String mac) {

  /** CreateEndpoint, CreateSandbox on {@code host}, Join. */
  static ClusterSandbox attach(ThreeHostCluster cluster, String network, String name, ThreeHostCluster.Host host) {
    return attach(cluster, network, name, host, "");
  }

  /** As {@link #attach(ThreeHostCluster, String, String, ThreeHostCluster.Host)}, with a given MAC (empty: derived). */
  static ClusterSandbox attach(ThreeHostCluster cluster, String network, String name, ThreeHostCluster.Host host,
      String mac) {
    cluster.api().createEndpoint(CreateEndpointRequest.newBuilder().setNetwork(network)
        .setEndpoint(Endpoint.newBuilder().setName(name).setMacAddress(mac)).build());
    String key = cluster.api().createSandbox(CreateSandboxRequest.newBuilder()
        .setSandbox(Sandbox.newBuilder().setContainerId(name).setNode(host.node)).build()).getKey();
    Endpoint joined = cluster.api().join(JoinRequest.newBuilder().setNetwork(network).setEndpoint(name)
        .setSandbox(name).build()).getEndpoint();
    String ip = joined.getIpv4Address();
    return new ClusterSandbox(cluster, network, name, host, key, ip.substring(0, ip.indexOf('/')),
        joined.getMacAddress());
  }

  /** Leave, DeleteEndpoint, DeleteSandbox. */
  void detach() {
    cluster.api().leave(LeaveRequest.newBuilder().setNetwork(network).setEndpoint(name).setSandbox(name).build());
    cluster.api().deleteEndpoint(DeleteEndpointRequest.newBuilder().setNetwork(network).setEndpoint(name).build());
    cluster.api().deleteSandbox(DeleteSandboxRequest.newBuilder().setSandbox(name).build());
  }

  /** One echo from this sandbox to {@code ip}: true if answered within a second. */
  boolean answers(String ip) {
    try {
      return host.inSandbox(key, "ping", "-c", "1", "-W", "1", ip).contains("1 received");
    } catch (Exception | AssertionError e) {
      return false;
    }
  }

  /** Pings {@code other} until it answers (peers reach other hosts within milliseconds; 10 s is slack). */
  void reaches(ClusterSandbox other) {
    reaches(other, Duration.ofSeconds(10));
  }

  /** Pings {@code other} until it answers, for at most {@code within}. */
  void reaches(ClusterSandbox other, Duration within) {
    Awaitility.await().atMost(within).pollInterval(Duration.ZERO).untilAsserted(() ->
        assertThat(answers(other.ip)).as("%s (%s on %s) pings %s (%s on %s)", name, ip, host.node, other.name,
            other.ip, other.host.node).isTrue());
  }

  /** A command inside this sandbox. */
  String exec(String... cmd) throws Exception {
    return host.inSandbox(key, cmd);
  }
}
