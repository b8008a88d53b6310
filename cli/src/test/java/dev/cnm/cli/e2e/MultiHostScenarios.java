package dev.cnm.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cnm.api.v1.CreateNetworkRequest;
import dev.cnm.api.v1.CreateSandboxRequest;
import dev.cnm.api.v1.DeleteSandboxRequest;
import dev.cnm.api.v1.IpamConfig;
import dev.cnm.api.v1.IpamPool;
import dev.cnm.api.v1.ListNetworksRequest;
import dev.cnm.api.v1.Network;
import dev.cnm.api.v1.NodeStatus;
import dev.cnm.api.v1.Sandbox;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three hosts, each its own agent process, and the store, ipam and controller processes
 * ({@link ThreeHostCluster}), with the store backend of the subclass. One cluster per class;
 * every test leaves all three agents running.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class MultiHostScenarios {
  // static: a class-wide cluster is started before any instance field could be injected
  @TempDir static Path dir;
  ThreeHostCluster cluster;

  abstract ThreeHostCluster.Backend backend();

  @BeforeAll
  void startCluster() throws Exception {
    cluster = ThreeHostCluster.start(dir, backend());
  }

  @AfterAll
  void stopCluster() throws Exception {
    if (cluster != null) {
      try {
        cluster.keepLogs(getClass().getSimpleName());
      } finally {
        cluster.close();
      }
    }
  }

  /** {@code cnm ARGS} run inside the control host, the controller given as the README does: CNM_HOST. */
  String cli(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("nsenter", "--net=/run/netns/" + cluster.control.name,
        // a short-lived client: the C1 compiler and serial GC start it sooner on a busy machine
        NetnsHost.JAVA, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", NetnsHost.JAR.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("CNM_HOST", ThreeHostCluster.CONTROL_IP + ":" + ThreeHostCluster.CONTROLLER_PORT);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).as("cnm %s: %s", String.join(" ", args), out)
        .isTrue();
    return out;
  }

  @Test
  void nodeLs_showsTheThreeAgentsReady_withTheirAdvertiseAddresses() throws Exception {
    String out = cli("node", "ls");
    for (ThreeHostCluster.Host h : cluster.hosts) {
      assertThat(out.lines().filter(l -> l.startsWith(h.node + " ")).findFirst())
          .as(out).hasValueSatisfying(l -> assertThat(l).contains("READY").contains(h.address));
    }
  }

  @Test
  void agentKilled_nodeIsDown_andReadyAgainWhenItsAgentReturns() throws Exception {
    ThreeHostCluster.Host h3 = cluster.host(3);
    // a node with objects stays listed (down) when its lease goes; without any it would vanish
    cluster.api().createSandbox(CreateSandboxRequest.newBuilder()
        .setSandbox(Sandbox.newBuilder().setContainerId("down-probe").setNode(h3.node)).build());
    try {
      h3.killAgent();
      Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
          assertThat(cluster.nodes().get(h3.node).getStatus()).isEqualTo(NodeStatus.NODE_STATUS_DOWN));
      assertThat(cluster.nodes().get(cluster.host(1).node).getStatus()).isEqualTo(NodeStatus.NODE_STATUS_READY);
      assertThat(cli("node", "ls")).containsPattern(h3.node + "\\s+DOWN");
    } finally {
      if (!h3.agent.isAlive()) {
        h3.startAgent();
      }
    }
    cluster.api().deleteSandbox(DeleteSandboxRequest.newBuilder().setSandbox("down-probe").build());
  }

  // ---------- overlay ----------

  /** CreateNetwork with the overlay driver and a given subnet; returns its id. */
  String overlay(String name, String subnet) {
    return cluster.api().createNetwork(CreateNetworkRequest.newBuilder().setNetwork(Network.newBuilder()
        .setName(name).setDriver("overlay").setIpam(IpamConfig.newBuilder()
            .addIpv4(IpamPool.newBuilder().setSubnet(subnet)))).build()).getId();
  }

  /** {@code CMD} inside the namespace host {@code h}'s agent made for overlay network {@code networkId}. */
  static String inNetwork(ThreeHostCluster.Host h, String networkId, String... cmd) throws Exception {
    String[] full = new String[cmd.length + 2];
    full[0] = "nsenter";
    full[1] = "--net=" + h.overlayNamespace(networkId);
    System.arraycopy(cmd, 0, full, 2, cmd.length);
    return NetnsHost.run(full);
  }

  /** The static FDB entries and neighbours host {@code h} holds for network {@code networkId}. */
  static String peersOn(ThreeHostCluster.Host h, String networkId) throws Exception {
    return inNetwork(h, networkId, "bridge", "fdb", "show") + inNetwork(h, networkId, "ip", "neigh", "show");
  }

  @Test
  void overlay_sandboxesOnThreeHosts_pingEachOther_overOneVni() throws Exception {
    String id = overlay("ov-ping", "10.240.1.0/24");
    List<ClusterSandbox> s = List.of(
        ClusterSandbox.attach(cluster, "ov-ping", "ping-1", cluster.host(1)),
        ClusterSandbox.attach(cluster, "ov-ping", "ping-2", cluster.host(2)),
        ClusterSandbox.attach(cluster, "ov-ping", "ping-3", cluster.host(3)));
    for (ClusterSandbox from : s) {
      for (ClusterSandbox to : s) {
        if (from != to) {
          from.reaches(to);
        }
      }
    }
    // the underlay's 1500 less 50 for VXLAN over IPv4
    assertThat(s.get(0).exec("ip", "-o", "link", "show", "eth0")).contains("mtu 1450");
    String vni = cluster.api().getNetwork(dev.cnm.api.v1.GetNetworkRequest.newBuilder().setNetwork(id).build())
        .getOptionsOrThrow("vxlan_id");
    for (ThreeHostCluster.Host h : cluster.hosts) {
      assertThat(inNetwork(h, id, "ip", "-d", "link", "show", "vxlan0")).contains("id " + vni + " ")
          .contains("local " + h.address);
      // every other host's sandbox is a static peer here, pointing at that host's address
      for (ClusterSandbox other : s) {
        if (other.host() != h) {
          assertThat(peersOn(h, id)).containsPattern(other.mac() + ".*dst " + other.host().address)
              .containsPattern(other.ip() + " .*" + other.mac());
        }
      }
    }
    for (ClusterSandbox x : s) {
      x.detach();
    }
  }

  /** The README's "Several hosts" commands: an overlay network, a sandbox on two hosts, a ping between them. */
  @Test
  void cli_overlayNetwork_sandboxesJoinedOnTwoHosts_pingEachOther() throws Exception {
    assertThat(cli("network", "create", "-d", "overlay", "--subnet", "10.240.7.0/24", "ov-cli")).isNotBlank();
    cli("endpoint", "create", "ov-cli", "web1");
    cli("sandbox", "create", "--node", cluster.host(1).node, "c1");
    assertThat(cli("join", "web1", "c1")).contains("eth0").contains("10.240.7.2/24");
    cli("endpoint", "create", "ov-cli", "web2");
    cli("sandbox", "create", "--node", cluster.host(2).node, "c2");
    assertThat(cli("join", "web2", "c2")).contains("eth0").contains("10.240.7.3/24");
    Matcher key = Pattern.compile("\"key\":\\s*\"([^\"]+)\"").matcher(cli("sandbox", "inspect", "c1"));
    assertThat(key.find()).isTrue();
    Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() ->
        assertThat(cluster.host(1).inSandbox(key.group(1), "ping", "-c", "1", "-W", "1", "10.240.7.3"))
            .contains("1 received"));
    assertThat(cli("network", "ls")).containsPattern("ov-cli\\s+overlay");
    for (String e : List.of("web1", "web2")) {
      cluster.api().deleteEndpoint(dev.cnm.api.v1.DeleteEndpointRequest.newBuilder().setNetwork("ov-cli")
          .setEndpoint(e).setForce(true).build());
    }
    for (String c : List.of("c1", "c2")) {
      cluster.api().deleteSandbox(DeleteSandboxRequest.newBuilder().setSandbox(c).build());
    }
  }

  @Test
  void overlay_twoNetworksWithTheSameSubnet_stayIsolated() throws Exception {
    String a = overlay("ov-iso-a", "10.240.2.0/24");
    // in one address space overlay subnets may not overlap: refused, nothing made
    assertThatThrownBy(() -> overlay("ov-iso-same", "10.240.2.0/24"))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
          assertThat(e.getStatus().getDescription()).contains("overlaps");
        });
    assertThat(cluster.api().listNetworks(ListNetworksRequest.newBuilder().setName("ov-iso-same").build())
        .getNetworksList()).isEmpty();
    // in another address space the same subnet is allowed
    String b = cluster.api().createNetwork(CreateNetworkRequest.newBuilder().setNetwork(Network.newBuilder()
        .setName("ov-iso-b").setDriver("overlay").setIpam(IpamConfig.newBuilder()
            .setAddressSpace(ThreeHostCluster.SECOND_SPACE)
            .addIpv4(IpamPool.newBuilder().setSubnet("10.240.2.0/24")))).build()).getId();
    ClusterSandbox a1 = ClusterSandbox.attach(cluster, "ov-iso-a", "iso-a1", cluster.host(1));
    ClusterSandbox a2 = ClusterSandbox.attach(cluster, "ov-iso-a", "iso-a2", cluster.host(2));
    // MACs are derived from the address (02:42 + IPv4): give ov-iso-b's their own to tell them apart
    ClusterSandbox b1 = ClusterSandbox.attach(cluster, "ov-iso-b", "iso-b1", cluster.host(1), "02:42:0b:0b:00:01");
    ClusterSandbox b2 = ClusterSandbox.attach(cluster, "ov-iso-b", "iso-b2", cluster.host(2), "02:42:0b:0b:00:02");
    // the same addresses in both networks, on the same two hosts
    assertThat(b1.ip()).isEqualTo(a1.ip());
    assertThat(b2.ip()).isEqualTo(a2.ip());
    assertThat(b2.mac()).isEqualTo("02:42:0b:0b:00:02").isNotEqualTo(a2.mac());
    a1.reaches(a2);
    b1.reaches(b2);
    // each reached its own network's sandbox: the MAC its sandbox resolved the address to
    assertThat(a1.exec("ip", "neigh", "show", a2.ip())).contains(a2.mac()).doesNotContain(b2.mac());
    assertThat(b1.exec("ip", "neigh", "show", b2.ip())).contains(b2.mac()).doesNotContain(a2.mac());
    assertThat(inNetwork(cluster.host(1), a, "ip", "-d", "link", "show", "vxlan0"))
        .doesNotContain(vxlanId(inNetwork(cluster.host(1), b, "ip", "-d", "link", "show", "vxlan0")));
    assertThat(peersOn(cluster.host(1), a)).contains(a2.mac()).doesNotContain(b2.mac());
    assertThat(peersOn(cluster.host(1), b)).contains(b2.mac()).doesNotContain(a2.mac());
    // with a2 gone, its address answers nobody in ov-iso-a, though b2 still holds it in ov-iso-b
    a2.detach();
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(peersOn(cluster.host(1), a)).doesNotContain(a2.mac()));
    assertThat(a1.answers(b2.ip())).isFalse();
    b1.reaches(b2);
    for (ClusterSandbox x : List.of(a1, b1, b2)) {
      x.detach();
    }
  }

  private static String vxlanId(String ipDetails) {
    Matcher m = Pattern.compile("vxlan id (\\d+) ").matcher(ipDetails);
    assertThat(m.find()).as(ipDetails).isTrue();
    return "vxlan id " + m.group(1) + " ";
  }

  @Test
  void overlay_endpointDeleted_itsPeerEntriesGoFromEveryOtherHost() throws Exception {
    String id = overlay("ov-peers", "10.240.4.0/24");
    ClusterSandbox p1 = ClusterSandbox.attach(cluster, "ov-peers", "peers-1", cluster.host(1));
    ClusterSandbox p2 = ClusterSandbox.attach(cluster, "ov-peers", "peers-2", cluster.host(2));
    ClusterSandbox p3 = ClusterSandbox.attach(cluster, "ov-peers", "peers-3", cluster.host(3));
    p1.reaches(p2);
    p3.reaches(p2);
    assertThat(peersOn(cluster.host(1), id)).contains(p2.mac()).contains(p2.ip() + " ");
    assertThat(peersOn(cluster.host(3), id)).contains(p2.mac()).contains(p2.ip() + " ");

    p2.detach();
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      for (ThreeHostCluster.Host h : List.of(cluster.host(1), cluster.host(3))) {
        assertThat(peersOn(h, id)).doesNotContain(p2.mac()).doesNotContain(p2.ip() + " ");
      }
    });
    p1.reaches(p3);
    assertThat(p1.answers(p2.ip())).isFalse();
    p1.detach();
    p3.detach();
  }

  @Test
  void overlay_agentKilledAndRestarted_crossHostPingsKeepAnswering() throws Exception {
    overlay("ov-restart", "10.240.5.0/24");
    ClusterSandbox r1 = ClusterSandbox.attach(cluster, "ov-restart", "restart-1", cluster.host(1));
    ClusterSandbox r2 = ClusterSandbox.attach(cluster, "ov-restart", "restart-2", cluster.host(2));
    r1.reaches(r2);
    // 10 echoes a second for as long as the agent of host 2 is away and comes back
    Process ping = new ProcessBuilder("nsenter", "--net=" + r1.key(), "ping", "-i", "0.1", "-W", "1", r2.ip())
        .redirectErrorStream(true).start();
    try {
      Thread.sleep(500);
      cluster.host(2).killAgent();
      cluster.host(2).startAgent();
      Thread.sleep(2000);
    } finally {
      // SIGINT: ping prints its summary
      new ProcessBuilder("kill", "-INT", Long.toString(ping.pid())).start().waitFor(5, TimeUnit.SECONDS);
    }
    assertThat(ping.waitFor(10, TimeUnit.SECONDS)).isTrue();
    String out = new String(ping.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    Matcher m = Pattern.compile("(\\d+) packets transmitted, (\\d+) received").matcher(out);
    assertThat(m.find()).as(out).isTrue();
    System.out.println("[" + getClass().getSimpleName() + "] ping during agent kill -9 + restart: " + m.group());
    int sent = Integer.parseInt(m.group(1));
    int received = Integer.parseInt(m.group(2));
    assertThat(sent).as(out).isGreaterThan(20);
    assertThat(sent - received).as("echoes lost while the agent restarted:\n" + out).isLessThanOrEqualTo(3);
    r1.detach();
    r2.detach();
  }

  /**
   * A host cut off from the others (its underlay link down, its agent still running): the
   * controller's keepalive ends the session, the node lease expires, the node is DOWN and the
   * other hosts drop its peers; when the link returns its agent re-registers and all converge.
   */
  @Test
  void overlay_hostCutOff_losesItsPeersElsewhere_andConvergesWhenItReturns() throws Exception {
    String id = overlay("ov-away", "10.240.6.0/24");
    ClusterSandbox w1 = ClusterSandbox.attach(cluster, "ov-away", "away-1", cluster.host(1));
    ClusterSandbox w2 = ClusterSandbox.attach(cluster, "ov-away", "away-2", cluster.host(2));
    ClusterSandbox w3 = ClusterSandbox.attach(cluster, "ov-away", "away-3", cluster.host(3));
    w1.reaches(w3);
    ThreeHostCluster.Host h3 = cluster.host(3);
    try {
      NetnsHost.run("ip", "-n", h3.ns.name, "link", "set", "ul0", "down");
      // keepalive (10 s + 5 s) ends the session, then the 10 s lease runs out
      Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
          assertThat(cluster.nodes().get(h3.node).getStatus()).isEqualTo(NodeStatus.NODE_STATUS_DOWN));
      Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        for (ThreeHostCluster.Host h : List.of(cluster.host(1), cluster.host(2))) {
          assertThat(peersOn(h, id)).doesNotContain(w3.mac());
        }
      });
      // the endpoints of the down node stay in the store
      assertThat(cluster.api().getEndpoint(dev.cnm.api.v1.GetEndpointRequest.newBuilder().setNetwork("ov-away")
          .setEndpoint("away-3").build()).getSandboxId()).isNotEmpty();
      w1.reaches(w2);
    } finally {
      NetnsHost.run("ip", "-n", h3.ns.name, "link", "set", "ul0", "up");
    }
    w1.reaches(w3, Duration.ofSeconds(60));
    w3.reaches(w2);
    assertThat(cluster.nodes().get(h3.node).getStatus()).isEqualTo(NodeStatus.NODE_STATUS_READY);
    assertThat(peersOn(cluster.host(1), id)).contains(w3.mac());
    w1.detach();
    w2.detach();
    w3.detach();
  }

  // ---------- service discovery across hosts ----------

  /** {@code dig +short NAME} against the sandbox's resolver, one try: the answer lines (none for NXDOMAIN or SERVFAIL). */
  static List<String> resolve(ClusterSandbox from, String name) throws Exception {
    return from.exec("dig", "@127.0.0.11", "+short", "+tries=1", "+time=2", name).lines()
        .filter(l -> !l.isBlank() && !l.startsWith(";")).toList();
  }

  /**
   * The names of an overlay network reach every host with the network's peers: a Join on one
   * host answers by name on the others, a node going DOWN and a Leave take the name away, a
   * killed and restarted agent serves its sandboxes' resolvers again.
   */
  @Test
  void dns_overlayNames_resolveOnOtherHosts_andGoWithNodeDownAndLeave() throws Exception {
    overlay("ov-dns", "10.240.9.0/24");
    ClusterSandbox d1 = ClusterSandbox.attach(cluster, "ov-dns", "dns-1", cluster.host(1));
    ClusterSandbox d2 = ClusterSandbox.attach(cluster, "ov-dns", "dns-2", cluster.host(2));
    ClusterSandbox d3 = ClusterSandbox.attach(cluster, "ov-dns", "dns-3", cluster.host(3));
    Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ZERO).untilAsserted(() ->
        assertThat(resolve(d1, "dns-3")).containsExactly(d3.ip()));
    assertThat(resolve(d3, "dns-1")).containsExactly(d1.ip());
    assertThat(resolve(d2, "dns-3")).containsExactly(d3.ip());

    ThreeHostCluster.Host h3 = cluster.host(3);
    h3.killAgent();
    try {
      Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
          assertThat(cluster.nodes().get(h3.node).getStatus()).isEqualTo(NodeStatus.NODE_STATUS_DOWN));
      Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(resolve(d1, "dns-3")).as("a DOWN node's names leave the other hosts").isEmpty());
    } finally {
      h3.startAgent();
    }
    Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(resolve(d1, "dns-3")).containsExactly(d3.ip()));
    // the restarted agent (kill -9: its sockets died with it) serves its sandbox's resolver again
    Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(resolve(d3, "dns-2")).containsExactly(d2.ip()));

    d2.detach();
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(resolve(d1, "dns-2")).isEmpty();
      assertThat(resolve(d3, "dns-2")).isEmpty();
    });
    assertThat(resolve(d1, "dns-3")).containsExactly(d3.ip());
    d1.detach();
    d3.detach();
  }
}
