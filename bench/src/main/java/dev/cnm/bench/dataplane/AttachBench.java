package dev.cnm.bench.dataplane;

import dev.cnm.bench.report.PhaseSamples;
import dev.cnm.agent.dataplane.BridgeDataplane;
import dev.cnm.agent.dataplane.DataplaneConfig;
import dev.cnm.agent.dataplane.EndpointSpec;
import dev.cnm.agent.dataplane.NetworkSpec;
import dev.cnm.agent.netns.Namespaces;
import dev.cnm.agent.netns.NetNamespace;
import dev.cnm.runtime.net.IpPrefix;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Attach/detach benchmark of cnm's bridge dataplane, the counterpart of
 * ../shared/peers/cni-bench.sh (CNI bridge + host-local). Phases, N endpoints each, sequential:
 * <ol>
 *   <li>netns_create: createSandbox (namespace + loopback up + its netlink socket)</li>
 *   <li>add: attachEndpoint (veth born in place, MAC, IPv4, default route)</li>
 *   <li>del: deleteSandbox (the fast tear-down: namespace and its endpoint go together)</li>
 *   <li>add_2 / detach_veth / netns_delete: the slow path, detaching a live sandbox's endpoint
 *       (a veth delete), then deleting the empty namespaces</li>
 * </ol>
 * A warm-up of {@code --warmup} full cycles runs first (the agent is a long-running process).
 * Usage: AttachBench --n 200 --host-netns PATH --results FILE [--warmup 30] [--state-dir DIR]
 */
public final class AttachBench {
  private static final String PEER = "cnm";

  private AttachBench() {}

  public static void main(String[] args) throws Exception {
    int n = 200;
    int warmup = 30;
    Path hostNs = null;
    Path results = null;
    Path stateDir = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--n": n = Integer.parseInt(args[++i]); break;
        case "--warmup": warmup = Integer.parseInt(args[++i]); break;
        case "--host-netns": hostNs = Path.of(args[++i]); break;
        case "--results": results = Path.of(args[++i]); break;
        case "--state-dir": stateDir = Path.of(args[++i]); break;
        default: throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (n < 2 || n > 60000) {
      throw new IllegalArgumentException("--n must be in [2, 60000]");
    }
    Path state = stateDir != null ? stateDir : Files.createTempDirectory("cnmbench");
    try (NetNamespace host = hostNs == null ? null : Namespaces.openExternal(hostNs);
         BridgeDataplane dp = BridgeDataplane.open(new DataplaneConfig(state, host, false))) {
      NetworkSpec net = new NetworkSpec("bench", "cnmbench0", 1500, IpPrefix.parse("gw", "10.202.0.1/16"), null);
      dp.ensureNetwork(net);
      System.out.println("# cnm AttachBench: N=" + n + " warmup=" + warmup + " cycles, "
          + Runtime.getRuntime().availableProcessors() + " CPUs, JDK " + Runtime.version());
      for (int i = 0; i < warmup; i++) {
        String sb = "cnmbw" + i;
        dp.createSandbox(sb);
        dp.attachEndpoint(endpoint("w" + i, sb, 60000 + i));
        if (i % 2 == 0) {
          dp.detachEndpoint("w" + i);
        }
        dp.deleteSandbox(sb);
      }
      List<PhaseSamples> all = new ArrayList<>();
      all.add(phase("netns_create", n, i -> dp.createSandbox(sandbox(i))));
      all.add(phase("add", n, i -> dp.attachEndpoint(endpoint("e" + i, sandbox(i), i))));
      check(state, n);
      all.add(phase("del", n, i -> dp.deleteSandbox(sandbox(i))));
      for (int i = 0; i < n; i++) {
        dp.createSandbox(sandbox(i));
      }
      all.add(phase("add_2", n, i -> dp.attachEndpoint(endpoint("e" + i, sandbox(i), i))));
      all.add(phase("detach_veth", n, i -> dp.detachEndpoint("e" + i)));
      all.add(phase("netns_delete", n, i -> dp.deleteSandbox(sandbox(i))));
      dp.removeNetwork("bench");
      String hostname = dev.cnm.runtime.HostName.get();
      String ts = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
      for (PhaseSamples s : all) {
        System.out.println(s.line());
        if (results != null) {
          Files.writeString(results, s.json(hostname, ts) + "\n", StandardCharsets.UTF_8,
              StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
      }
    } finally {
      if (stateDir == null) {
        try (Stream<Path> s = Files.walk(state)) {
          s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    }
  }

  private static String sandbox(int i) {
    return "cnmb" + i;
  }

  /** 10.202.x.y/16 for endpoint i (i + 2, so .0.0 and the gateway .0.1 are skipped). */
  private static EndpointSpec endpoint(String id, String sandboxId, int i) {
    int host = i + 2;
    String ip = "10.202." + (host >> 8 & 0xff) + "." + (host & 0xff) + "/16";
    return EndpointSpec.of(id, "bench", sandboxId, IpPrefix.parse("ip", ip), null);
  }

  interface Op {
    void run(int i) throws Exception;
  }

  private static PhaseSamples phase(String metric, int n, Op op) throws Exception {
    PhaseSamples s = new PhaseSamples(PEER, metric, n);
    s.start();
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      op.run(i);
      s.add(System.nanoTime() - t0);
    }
    s.stop();
    return s;
  }

  /** The same data-path checks as the CNI script: first to second, second to last, first to gateway. */
  private static void check(Path state, int n) throws IOException, InterruptedException {
    Path ns0 = state.resolve("netns").resolve(sandbox(0));
    Path ns1 = state.resolve("netns").resolve(sandbox(1));
    String ip1 = ip(1);
    String last = ip(n - 1);
    ping("ping ns0->ns1", ns0, ip1);
    ping("ping ns1->ns" + (n - 1), ns1, last);
    ping("ping ns0->gateway", ns0, "10.202.0.1");
  }

  private static String ip(int i) {
    int host = i + 2;
    return "10.202." + (host >> 8 & 0xff) + "." + (host & 0xff);
  }

  private static void ping(String name, Path ns, String target) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("nsenter", "--net=" + ns, "ping", "-c", "2", "-i", "0.2", "-W", "2", target)
        .redirectErrorStream(true).start();
    boolean done = p.waitFor(20, TimeUnit.SECONDS);
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    boolean ok = done && p.exitValue() == 0;
    String summary = out.lines().filter(l -> l.contains("packets")).findFirst().orElse("");
    System.out.printf("[%s] check %-22s %s %s%n", PEER, name, ok ? "PASS" : "FAIL", summary);
  }
}
