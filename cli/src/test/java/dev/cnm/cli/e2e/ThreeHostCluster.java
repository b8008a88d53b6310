package dev.cnm.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.agent.netns.Namespaces;
import dev.cnm.agent.netns.NetNamespace;
import dev.cnm.api.v1.ListNodesRequest;
import dev.cnm.api.v1.Node;
import dev.cnm.api.v1.NodeStatus;
import dev.cnm.api.v1.NetworkControllerGrpc;
import dev.cnm.testing.EtcdProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;

/**
 * Three "hosts" and a control host on one machine, each its own process tree in a test-owned
 * network namespace: the control namespace holds the test bridge {@code br0} (the underlay,
 * 10.235.0.0/24, control at .254) and runs {@code cnm serve store} (embedded, or over a real etcd
 * started in the same namespace), {@code cnm serve ipam} and {@code cnm serve controller}; host N
 * (N = 1..3) is linked to the bridge by a veth {@code ul0} with 10.235.0.N and runs
 * {@code cnm serve agent --node cnmt-hN --advertise-address 10.235.0.N}. The test reaches the
 * controller through {@link NetnsChannel}. Nothing is added to the machine's own namespace;
 * {@link #close()} kills what it started (by PID), unmounts and deletes every namespace.
 */
final class ThreeHostCluster implements AutoCloseable {
  enum Backend { EMBEDDED, ETCD }

  static final String CONTROL_IP = "10.235.0.254";
  static final int CONTROLLER_PORT = 7372;
  /** An IPAM address space besides the two defaults (pools of different spaces may overlap). */
  static final String SECOND_SPACE = "cnmt-b";
  /** The services are small: a capped heap keeps six JVMs friendly to a shared two-core machine. */
  static final List<String> JVM = List.of("-Xmx192m", "-XX:+UseSerialGC", "-Xss512k");

  final Path dir;
  final NetnsHost control;
  final List<Host> hosts = new ArrayList<>();
  private final List<NetnsHost> namespaces = new ArrayList<>();
  private EtcdProcess etcd;
  private NetnsChannel api;

  /** One host: its namespace, its agent process, its state dir. */
  final class Host {
    final int index;
    final NetnsHost ns;
    final String node;
    final String address;
    final Path stateDir;
    Process agent;

    Host(int index, NetnsHost ns) {
      this.index = index;
      this.ns = ns;
      this.node = "cnmt-h" + index;
      this.address = "10.235.0." + index;
      this.stateDir = dir.resolve("h" + index);
    }

    /** Starts the agent process (again) and waits until it registered: READY, its address, a new lease. */
    void startAgent() throws Exception {
      // a killed agent's record may linger for a moment: only a new lease shows the new agent
      Node before = nodes().get(node);
      long oldLease = before == null ? 0 : before.getLeaseId();
      agent = ns.cnm(JVM, log(), "serve", "agent", "--controller", CONTROL_IP + ":" + CONTROLLER_PORT,
          "--node", node, "--advertise-address", address, "--state-dir", stateDir.toString(),
          "--nft-table", "cnmt_h" + index, "--no-userland-proxy");
      Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
          .untilAsserted(() -> {
            assertThat(agent.isAlive()).as("agent %s died:\n%s", node, ns.log(log())).isTrue();
            assertThat(nodes().get(node)).isNotNull().satisfies(n -> {
              assertThat(n.getStatus()).isEqualTo(NodeStatus.NODE_STATUS_READY);
              assertThat(n.getAdvertiseAddress()).isEqualTo(address);
              assertThat(n.getLeaseId()).isNotEqualTo(oldLease);
            });
          });
    }

    /** kill -9 of this host's agent (the kernel state it made stays, as on a real host). */
    void killAgent() throws InterruptedException {
      NetnsHost.kill9(agent);
    }

    String log() {
      return "agent-" + node + ".log";
    }

    /** A command inside a sandbox (its key) of this host. */
    String inSandbox(String key, String... cmd) throws Exception {
      return ns.inSandbox(key, cmd);
    }

    /** The namespace the agent made for an overlay network (its bridge, VXLAN device, peers). */
    Path overlayNamespace(String networkId) {
      return stateDir.resolve("overlay").resolve("netns").resolve(networkId);
    }
  }

  private ThreeHostCluster(Path dir) throws Exception {
    this.dir = dir;
    control = track(new NetnsHost(dir));
  }

  private NetnsHost track(NetnsHost ns) {
    namespaces.add(ns);
    return ns;
  }

  /** Builds the namespaces and the underlay, starts the services and three agents. */
  static ThreeHostCluster start(Path dir, Backend backend) throws Exception {
    ThreeHostCluster c = new ThreeHostCluster(dir);
    try {
      c.underlay();
      c.services(backend);
      for (Host h : c.hosts) {
        h.startAgent();
      }
      return c;
    } catch (Throwable e) {
      try {
        c.close();
      } catch (Exception suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  private void underlay() throws Exception {
    String ctl = control.name;
    NetnsHost.run("ip", "-n", ctl, "link", "add", "br0", "type", "bridge");
    NetnsHost.run("ip", "-n", ctl, "addr", "add", CONTROL_IP + "/24", "dev", "br0");
    NetnsHost.run("ip", "-n", ctl, "link", "set", "br0", "up");
    for (int i = 1; i <= 3; i++) {
      Host h = new Host(i, track(new NetnsHost(dir)));
      NetnsHost.run("ip", "link", "add", "ul0", "netns", h.ns.name, "type", "veth", "peer", "name", "h" + i,
          "netns", ctl);
      NetnsHost.run("ip", "-n", ctl, "link", "set", "h" + i, "master", "br0", "up");
      NetnsHost.run("ip", "-n", h.ns.name, "addr", "add", h.address + "/24", "dev", "ul0");
      NetnsHost.run("ip", "-n", h.ns.name, "link", "set", "ul0", "up");
      hosts.add(h);
    }
  }

  private void services(Backend backend) throws Exception {
    List<String> store = new ArrayList<>(List.of("serve", "store", "--listen", "127.0.0.1:7370",
        "--insecure-tcp"));
    if (backend == Backend.ETCD) {
      // started by a thread inside the control namespace: etcd (and its health check) live there
      try (NetNamespace ns = Namespaces.openExternal(Path.of("/run/netns", control.name))) {
        etcd = Namespaces.runIn(ns, EtcdProcess::start);
      }
      store.addAll(List.of("--backend", "etcd", "--etcd-endpoints", etcd.endpoint()));
    } else {
      store.addAll(List.of("--backend", "embedded", "--data-dir", dir.resolve("store").toString()));
    }
    Process storeP = control.cnm(JVM, "store.log", store.toArray(String[]::new));
    // a second address space, so that two overlay networks may have the same subnet
    Process ipamP = control.cnm(JVM, "ipam.log", "serve", "ipam", "--store", "127.0.0.1:7370",
        "--listen", "127.0.0.1:7371", "--insecure-tcp", "--address-space", SECOND_SPACE);
    Process controllerP = control.cnm(JVM, "controller.log", "serve", "controller", "--store", "127.0.0.1:7370",
        "--ipam", "127.0.0.1:7371", "--listen", CONTROL_IP + ":" + CONTROLLER_PORT, "--insecure-tcp");
    api = new NetnsChannel(control.name, CONTROL_IP, CONTROLLER_PORT);
    Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
        .untilAsserted(() -> {
          for (var p : Map.of("store", storeP, "ipam", ipamP, "controller", controllerP).entrySet()) {
            assertThat(p.getValue().isAlive()).as("%s died:\n%s", p.getKey(), control.log(p.getKey() + ".log"))
                .isTrue();
          }
          nodes();
        });
  }

  /** The controller's API, with a deadline per call. */
  NetworkControllerGrpc.NetworkControllerBlockingStub api() {
    return NetworkControllerGrpc.newBlockingStub(api.channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /** ListNodes by name. */
  Map<String, Node> nodes() {
    return api().listNodes(ListNodesRequest.getDefaultInstance()).getNodesList().stream()
        .collect(Collectors.toMap(Node::getName, n -> n));
  }

  Host host(int index) {
    return hosts.get(index - 1);
  }

  /** Keeps the services' and agents' logs under target/multihost-logs/NAME (the temp dir goes). */
  void keepLogs(String name) throws Exception {
    Path to = Path.of("target", "multihost-logs", name);
    Files.createDirectories(to);
    try (var files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".log")).toList()) {
        Files.copy(f, to.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  @Override
  public void close() throws Exception {
    Exception first = null;
    if (api != null) {
      api.close();
    }
    // agents first (they hold sandboxes' mounts), the control host last
    for (int i = namespaces.size() - 1; i >= 0; i--) {
      try {
        namespaces.get(i).close();
      } catch (Exception e) {
        first = first == null ? e : first;
      }
    }
    if (etcd != null) {
      etcd.close();
    }
    if (first != null) {
      throw first;
    }
  }
}
