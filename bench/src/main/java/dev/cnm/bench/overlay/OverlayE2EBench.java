package dev.cnm.bench.overlay;

import dev.cnm.agent.netns.Namespaces;
import dev.cnm.api.v1.CreateEndpointRequest;
import dev.cnm.api.v1.CreateNetworkRequest;
import dev.cnm.api.v1.CreateSandboxRequest;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.IpamConfig;
import dev.cnm.api.v1.IpamPool;
import dev.cnm.api.v1.JoinRequest;
import dev.cnm.api.v1.ListNodesRequest;
import dev.cnm.api.v1.Network;
import dev.cnm.api.v1.NetworkControllerGrpc;
import dev.cnm.api.v1.Node;
import dev.cnm.api.v1.NodeStatus;
import dev.cnm.api.v1.Sandbox;
import dev.cnm.runtime.Telemetry;
import dev.cnm.runtime.grpc.Channels;
import dev.cnm.runtime.grpc.ClientOptions;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Overlay benchmark over the whole stack: a controller, its store and ipam, and one
 * {@code cnm serve agent} process per host, all reached through the controller's gRPC API (the
 * processes and the hosts' namespaces are made by scripts/bench-overlay-e2e.sh).
 * <ul>
 *   <li>{@code setup}: an overlay network with one sandbox joined on host A and one on host B;
 *       prints shell assignments (KEY_A, KEY_B, IP_A, IP_B) for iperf3 between them.
 *   <li>{@code convergence}: a target sandbox on host B; then N times: an endpoint and a sandbox
 *       on host A, Join; the time from Join returning until the target sandbox on host B gets an
 *       ICMP echo reply from the new sandbox (the controller's fan-out of the new peer to host
 *       B, host B's agent programming it, the packet's round trip); then, for a second set of N
 *       Joins, the time until the target sandbox's embedded resolver answers the new sandbox's
 *       name (the peer's names come with the same fan-out).
 * </ul>
 * Usage: OverlayE2EBench setup|convergence --controller ADDR --node-a NAME --node-b NAME
 * [--subnet CIDR] [--n N] [--results FILE]
 */
public final class OverlayE2EBench {
  private static final int WARMUP = 5;
  private final NetworkControllerGrpc.NetworkControllerBlockingStub api;
  private final Args args;

  private OverlayE2EBench(ManagedChannel channel, Args args) {
    this.api = NetworkControllerGrpc.newBlockingStub(channel);
    this.args = args;
  }

  public static void main(String[] argv) throws Exception {
    String mode = argv[0];
    Args a = Args.parse(Arrays.copyOfRange(argv, 1, argv.length));
    ManagedChannel channel = Channels.forTarget(a.controller, ClientOptions.plaintext(Telemetry.noop()));
    try {
      OverlayE2EBench b = new OverlayE2EBench(channel, a);
      b.awaitNodes();
      switch (mode) {
        case "setup" -> b.setup();
        case "convergence" -> b.convergence();
        default -> throw new IllegalArgumentException("mode must be setup or convergence, not " + mode);
      }
    } finally {
      channel.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
    }
    System.exit(0);
  }

  private NetworkControllerGrpc.NetworkControllerBlockingStub api() {
    return api.withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /** Both nodes READY (the agents start with the script). */
  private void awaitNodes() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (true) {
      try {
        Set<String> ready = api().listNodes(ListNodesRequest.getDefaultInstance()).getNodesList().stream()
            .filter(n -> n.getStatus() == NodeStatus.NODE_STATUS_READY).map(Node::getName).collect(Collectors.toSet());
        if (ready.contains(args.nodeA) && ready.contains(args.nodeB)) {
          return;
        }
      } catch (RuntimeException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("nodes " + args.nodeA + " and " + args.nodeB + " not READY within 120 s");
      }
      Thread.sleep(200);
    }
  }

  /** An overlay network; {@code subnet} unless --subnet was given (global pools may not overlap). */
  private void createNetwork(String name, String subnet) {
    api().createNetwork(CreateNetworkRequest.newBuilder().setNetwork(Network.newBuilder().setName(name)
        .setDriver("overlay").setIpam(IpamConfig.newBuilder().addIpv4(IpamPool.newBuilder()
            .setSubnet(args.subnet != null ? args.subnet : subnet)))).build());
  }

  /** Creates endpoint and sandbox {@code name} on {@code node}, joins them; returns the joined endpoint. */
  private Endpoint attach(String network, String name, String node) {
    return attach(network, name, node, null);
  }

  /** As {@link #attach(String, String, String)}, the sandbox with one DNS server (null: none). */
  private Endpoint attach(String network, String name, String node, String dnsServer) {
    api().createEndpoint(CreateEndpointRequest.newBuilder().setNetwork(network)
        .setEndpoint(Endpoint.newBuilder().setName(name)).build());
    Sandbox.Builder sb = Sandbox.newBuilder().setContainerId(name).setNode(node);
    if (dnsServer != null) {
      sb.addDnsServers(dnsServer);
    }
    api().createSandbox(CreateSandboxRequest.newBuilder().setSandbox(sb).build());
    return api().join(JoinRequest.newBuilder().setEndpoint(name).setSandbox(name).build()).getEndpoint();
  }

  private String key(String sandbox) {
    return api().getSandbox(dev.cnm.api.v1.GetSandboxRequest.newBuilder().setSandbox(sandbox).build()).getKey();
  }

  private static String address(Endpoint e) {
    String a = e.getIpv4Address();
    return a.contains("/") ? a.substring(0, a.indexOf('/')) : a;
  }

  private void setup() {
    createNetwork("bench-tput", "10.243.0.0/24");
    Endpoint a = attach("bench-tput", "tput-a", args.nodeA);
    Endpoint b = attach("bench-tput", "tput-b", args.nodeB);
    System.out.println("KEY_A=" + key("tput-a"));
    System.out.println("KEY_B=" + key("tput-b"));
    System.out.println("IP_A=" + address(a));
    System.out.println("IP_B=" + address(b));
  }

  private void convergence() throws Exception {
    createNetwork("bench-conv", "10.243.128.0/17");
    // the target's upstream refuses at once (nothing listens on its host's 127.0.0.1:53): a name
    // asked before it arrives costs a round trip, not the forwarding timeout
    Endpoint target = attach("bench-conv", "conv-target", args.nodeB, "127.0.0.1");
    Path targetKey = Path.of(key("conv-target"));
    InetAddress targetIp = InetAddress.getByName(address(target));
    long[] joinNanos = new long[args.n];
    long[] replyNanos = new long[args.n];
    for (int i = -WARMUP; i < args.n; i++) {
      String name = "conv-" + (i + WARMUP);
      // endpoint and sandbox first: only Join (and what it sets off) is timed
      Endpoint e = api().createEndpoint(CreateEndpointRequest.newBuilder().setNetwork("bench-conv")
          .setEndpoint(Endpoint.newBuilder().setName(name)).build());
      api().createSandbox(CreateSandboxRequest.newBuilder()
          .setSandbox(Sandbox.newBuilder().setContainerId(name).setNode(args.nodeA)).build());
      InetAddress ip = InetAddress.getByName(address(e));
      // the prober sits in the target sandbox on host B; its own address is its "local" check
      NamespaceProbe prober = Prober.start(Namespaces.openExternal(targetKey), targetIp, ip);
      long t0 = System.nanoTime();
      api().join(JoinRequest.newBuilder().setEndpoint(name).setSandbox(name).build());
      long t1 = System.nanoTime();
      long replied = prober.go();
      if (i >= 0) {
        joinNanos[i] = t1 - t0;
        replyNanos[i] = replied - t1;
      }
    }
    System.out.println("# overlay convergence over the whole stack: N=" + args.n + " sandboxes joined on "
        + args.nodeA + ", each pinged from a sandbox on " + args.nodeB);
    report("overlay_join", joinNanos);
    report("join_to_remote_ping_reply", replyNanos);

    long[] nameNanos = new long[args.n];
    for (int i = -WARMUP; i < args.n; i++) {
      String name = "name-" + (i + WARMUP);
      Endpoint e = api().createEndpoint(CreateEndpointRequest.newBuilder().setNetwork("bench-conv")
          .setEndpoint(Endpoint.newBuilder().setName(name)).build());
      api().createSandbox(CreateSandboxRequest.newBuilder()
          .setSandbox(Sandbox.newBuilder().setContainerId(name).setNode(args.nodeA)).build());
      NamespaceProbe prober = NameProber.start(Namespaces.openExternal(targetKey), name, address(e));
      api().join(JoinRequest.newBuilder().setEndpoint(name).setSandbox(name).build());
      long t1 = System.nanoTime();
      long answered = prober.go();
      if (i >= 0) {
        nameNanos[i] = answered - t1;
      }
    }
    System.out.println("# N=" + args.n + " more sandboxes joined on " + args.nodeA + ", each name asked from a sandbox on "
        + args.nodeB + " (its embedded resolver)");
    report("join_to_remote_name_answer", nameNanos);
  }

  private void report(String metric, long[] nanos) throws IOException {
    long[] s = nanos.clone();
    Arrays.sort(s);
    double p50 = rank(s, 0.50);
    double p99 = rank(s, 0.99);
    System.out.printf(Locale.ROOT, "[cnm-e2e] %-26s n=%d p50=%.3f ms p99=%.3f ms max=%.3f ms%n", metric, s.length,
        p50, p99, s[s.length - 1] / 1e6);
    if (args.results != null) {
      Files.writeString(args.results, String.format(Locale.ROOT, "{\"peer\":\"cnm-e2e\",\"metric\":\"%s\",\"n\":%d,"
              + "\"median_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,\"ts\":\"%s\"}%n", metric, s.length, p50, p99,
              s[s.length - 1] / 1e6, Instant.now().truncatedTo(ChronoUnit.SECONDS)), StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
  }

  private static double rank(long[] sorted, double q) {
    int r = (int) Math.ceil(sorted.length * q);
    return sorted[Math.max(1, r) - 1] / 1e6;
  }

  /** Command-line arguments. */
  private static final class Args {
    String controller;
    String nodeA;
    String nodeB;
    String subnet;
    Path results;
    int n = 100;

    static Args parse(String[] argv) {
      Args a = new Args();
      for (int i = 0; i + 1 < argv.length; i += 2) {
        String v = argv[i + 1];
        switch (argv[i]) {
          case "--controller" -> a.controller = v;
          case "--node-a" -> a.nodeA = v;
          case "--node-b" -> a.nodeB = v;
          case "--subnet" -> a.subnet = v;
          case "--results" -> a.results = Path.of(v);
          case "--n" -> a.n = Integer.parseInt(v);
          default -> throw new IllegalArgumentException("unknown argument " + argv[i]);
        }
      }
      if (a.controller == null || a.nodeA == null || a.nodeB == null) {
        throw new IllegalArgumentException("--controller, --node-a and --node-b are required");
      }
      return a;
    }
  }
}
