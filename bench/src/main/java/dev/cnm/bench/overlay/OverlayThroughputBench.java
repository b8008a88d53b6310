package dev.cnm.bench.overlay;

import dev.cnm.agent.netlink.sys.LibC;
import dev.cnm.agent.netns.Namespaces;
import dev.cnm.agent.netns.NetNamespace;
import dev.cnm.agent.overlay.OverlayConfig;
import dev.cnm.agent.overlay.OverlayDataplane;
import dev.cnm.agent.overlay.OverlayEndpointSpec;
import dev.cnm.agent.overlay.OverlayNetworkSpec;
import dev.cnm.agent.overlay.OverlayNetworkState;
import dev.cnm.agent.overlay.Peer;
import dev.cnm.runtime.net.IpPrefix;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The overlay benchmark's Java half, driven by scripts/bench-overlay.sh, which owns the "hosts"
 * (namespaces with an underlay veth) and runs iperf3. Two modes:
 * <ul>
 *   <li>{@code setup}: cnm's overlay between two hosts, one sandbox on each (the script's
 *       namespaces), peers set; prints the MTU in effect. The kernel state outlives the JVM; the
 *       script measures it with iperf3 and removes it.</li>
 *   <li>{@code convergence}: data-half convergence. A target sandbox on host A; for each of N
 *       new sandboxes on host B (attached on B, B already knowing the target), host A learns
 *       the new endpoint through setPeers(); measured: setPeers() itself, and the time from its
 *       return until an ICMP echo from the new sandbox to the target gets its reply (the reply
 *       needs A's new FDB + neighbour entries). The pinging thread joins the sandbox's namespace
 *       before the clock starts.</li>
 * </ul>
 * Usage: OverlayThroughputBench setup|convergence --host-a PATH --host-b PATH --local-a IP --local-b IP
 *        --state-dir DIR [--sandbox-a PATH --sandbox-b PATH] [--n 100] [--results FILE]
 */
public final class OverlayThroughputBench {
  private OverlayThroughputBench() {}

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    Args a = Args.parse(Arrays.copyOfRange(args, 1, args.length));
    LibC.load();
    try (NetNamespace hostA = Namespaces.openExternal(a.hostA); NetNamespace hostB = Namespaces.openExternal(a.hostB);
         OverlayDataplane dpA = OverlayDataplane.open(new OverlayConfig(a.stateDir.resolve("a"), hostA));
         OverlayDataplane dpB = OverlayDataplane.open(new OverlayConfig(a.stateDir.resolve("b"), hostB))) {
      switch (mode) {
        case "setup" -> setup(a, dpA, dpB);
        case "convergence" -> convergence(a, dpA, dpB);
        default -> throw new IllegalArgumentException("mode must be setup or convergence, not " + mode);
      }
    }
  }

  private static OverlayNetworkSpec network(String id, int vni, String subnet, String gateway, InetAddress local) {
    return OverlayNetworkSpec.ipv4(id, vni, IpPrefix.parse("subnet", subnet), IpPrefix.parseAddress("gw", gateway), local);
  }

  private static void setup(Args a, OverlayDataplane dpA, OverlayDataplane dpB) throws IOException {
    long t0 = System.nanoTime();
    OverlayNetworkState sa = dpA.ensureNetwork(network("benchnet", 4200, "10.242.1.0/24", "10.242.1.254", a.localA));
    long created = System.nanoTime() - t0;
    OverlayNetworkState sb = dpB.ensureNetwork(network("benchnet", 4200, "10.242.1.0/24", "10.242.1.254", a.localB));
    OverlayEndpointSpec ea = OverlayEndpointSpec.of("bench-x1", "benchnet", "x1", a.sandboxA, IpPrefix.parse("ip", "10.242.1.1/24"));
    OverlayEndpointSpec eb = OverlayEndpointSpec.of("bench-x2", "benchnet", "x2", a.sandboxB, IpPrefix.parse("ip", "10.242.1.2/24"));
    dpA.attachEndpoint(ea);
    dpB.attachEndpoint(eb);
    dpA.setPeers("benchnet", Set.of(new Peer(eb.ipv4().address(), eb.effectiveMac(), a.localB)));
    dpB.setPeers("benchnet", Set.of(new Peer(ea.ipv4().address(), ea.effectiveMac(), a.localA)));
    // steady state: one more network once everything is loaded and warm
    long t1 = System.nanoTime();
    dpA.ensureNetwork(network("benchnet2", 4299, "10.242.2.0/24", "10.242.2.254", a.localA));
    long second = System.nanoTime() - t1;
    dpA.removeNetwork("benchnet2");
    System.out.println(String.format(Locale.ROOT, "ensureNetwork of a second network (warm): %.1f ms", second / 1e6));
    System.out.println("cnm overlay ready: mtu " + sa.mtu() + " (underlay " + sa.underlayLink() + "), host B mtu "
        + sb.mtu() + ", sandboxes 10.242.1.1 <-> 10.242.1.2; first ensureNetwork (namespace, bridge, vxlan born "
        + "in place) " + String.format(Locale.ROOT, "%.1f ms", created / 1e6));
    append(a.results, String.format(Locale.ROOT, "{\"peer\":\"cnm\",\"metric\":\"overlay_mtu\",\"value\":%d,\"ts\":\"%s\"}",
        sa.mtu(), now()));
  }

  private static void convergence(Args a, OverlayDataplane dpA, OverlayDataplane dpB) throws Exception {
    Namespaces sandboxes = new Namespaces(a.stateDir.resolve("sandboxes"));
    String net = "convnet";
    dpA.ensureNetwork(network(net, 4201, "10.243.0.0/16", "10.243.0.1", a.localA));
    dpB.ensureNetwork(network(net, 4201, "10.243.0.0/16", "10.243.0.1", a.localB));
    NetNamespace target = sandboxes.create("target");
    OverlayEndpointSpec t = OverlayEndpointSpec.of("conv-target", net, "target", target.path(), IpPrefix.parse("ip", "10.243.0.2/16"));
    dpA.attachEndpoint(t);
    dpB.setPeers(net, Set.of(new Peer(t.ipv4().address(), t.effectiveMac(), a.localA)));
    Set<Peer> onA = new HashSet<>();
    long[] setPeersNanos = new long[a.n];
    long[] replyNanos = new long[a.n];
    int warmup = 5;
    try {
      for (int i = -warmup; i < a.n; i++) {
        int k = i + warmup;
        String id = "conv-" + k;
        NetNamespace sb = sandboxes.create("s" + k);
        sb.close();
        String ip = "10.243." + (1 + k / 250) + "." + (1 + k % 250);
        OverlayEndpointSpec e = OverlayEndpointSpec.of(id, net, "s" + k, sandboxes.directory().resolve("s" + k),
            IpPrefix.parse("ip", ip + "/16"));
        dpB.attachEndpoint(e);
        NamespaceProbe prober = Prober.start(sandboxes.open("s" + k), IpPrefix.parseAddress("gw", "10.243.0.1"), t.ipv4().address());
        onA.add(new Peer(e.ipv4().address(), e.effectiveMac(), a.localB));
        long t0 = System.nanoTime();
        dpA.setPeers(net, onA);
        long t1 = System.nanoTime();
        long replied = prober.go();
        if (i >= 0) {
          setPeersNanos[i] = t1 - t0;
          replyNanos[i] = replied - t1;
        }
      }
    } finally {
      for (int k = 0; k < a.n + warmup; k++) {
        dpB.detachEndpoint("conv-" + k);
      }
      dpA.detachEndpoint("conv-target");
      for (String name : sandboxes.list()) {
        sandboxes.delete(name);
      }
      dpA.removeNetwork(net);
      dpB.removeNetwork(net);
    }
    System.out.println("# overlay convergence: N=" + a.n + " endpoints on host B, each learnt by host A through setPeers()");
    report(a, "set_peers", setPeersNanos);
    report(a, "setpeers_to_ping_reply", replyNanos);
  }

  private static void report(Args a, String metric, long[] nanos) throws IOException {
    long[] s = nanos.clone();
    Arrays.sort(s);
    double p50 = rank(s, 0.50);
    double p99 = rank(s, 0.99);
    System.out.printf(Locale.ROOT, "[cnm] %-24s n=%d p50=%.3f ms p99=%.3f ms max=%.3f ms%n", metric, s.length, p50, p99,
        s[s.length - 1] / 1e6);
    append(a.results, String.format(Locale.ROOT, "{\"peer\":\"cnm\",\"metric\":\"%s\",\"n\":%d,\"median_ms\":%.3f,"
        + "\"p99_ms\":%.3f,\"max_ms\":%.3f,\"ts\":\"%s\"}", metric, s.length, p50, p99, s[s.length - 1] / 1e6, now()));
  }

  private static double rank(long[] sorted, double q) {
    int r = (int) Math.ceil(sorted.length * q);
    return sorted[Math.max(1, r) - 1] / 1e6;
  }

  private static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private static void append(Path results, String line) throws IOException {
    if (results != null) {
      Files.writeString(results, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
  }

  /** Command-line arguments. */
  private static final class Args {
    Path hostA;
    Path hostB;
    InetAddress localA;
    InetAddress localB;
    Path sandboxA;
    Path sandboxB;
    Path stateDir;
    Path results;
    int n = 100;

    static Args parse(String[] args) {
      Args a = new Args();
      for (int i = 0; i < args.length; i++) {
        String v = args[++i];
        switch (args[i - 1]) {
          case "--host-a" -> a.hostA = Path.of(v);
          case "--host-b" -> a.hostB = Path.of(v);
          case "--local-a" -> a.localA = IpPrefix.parseAddress("local-a", v);
          case "--local-b" -> a.localB = IpPrefix.parseAddress("local-b", v);
          case "--sandbox-a" -> a.sandboxA = Path.of(v);
          case "--sandbox-b" -> a.sandboxB = Path.of(v);
          case "--state-dir" -> a.stateDir = Path.of(v);
          case "--results" -> a.results = Path.of(v);
          case "--n" -> a.n = Integer.parseInt(v);
          default -> throw new IllegalArgumentException("unknown argument " + args[i - 1]);
        }
      }
      return a;
    }
  }
}
