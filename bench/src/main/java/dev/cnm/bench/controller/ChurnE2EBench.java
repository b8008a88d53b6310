package dev.cnm.bench.controller;

import dev.cnm.api.v1.CreateEndpointRequest;
import dev.cnm.api.v1.CreateNetworkRequest;
import dev.cnm.api.v1.CreateSandboxRequest;
import dev.cnm.api.v1.DeleteEndpointRequest;
import dev.cnm.api.v1.DeleteNetworkRequest;
import dev.cnm.api.v1.DeleteSandboxRequest;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.IpamConfig;
import dev.cnm.api.v1.IpamPool;
import dev.cnm.api.v1.JoinRequest;
import dev.cnm.api.v1.LeaveRequest;
import dev.cnm.api.v1.Network;
import dev.cnm.api.v1.NetworkControllerGrpc;
import dev.cnm.api.v1.Sandbox;
import dev.cnm.bench.report.PhaseSamples;
import dev.cnm.runtime.Telemetry;
import dev.cnm.runtime.grpc.Channels;
import dev.cnm.runtime.grpc.ClientOptions;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Churn through a running {@code cnm up} (issue 21): containers come and go all the time while
 * others stay. K containers are attached first and kept alive; then C clients each run cycles
 * for a fixed time, one cycle = attach (CreateEndpoint, CreateSandbox, Join) then detach (Leave,
 * DeleteEndpoint, DeleteSandbox) of a container of their own. Every (K, C) pair is one pass; the
 * K values are taken in rising order, adding containers to the alive set between passes.
 *
 * <p>Per pass: p50/p99 of Join, Leave, the whole attach and the whole detach; cycles per second
 * (the {@code churn.cycle} record's rate: cycles over the pass's wall time); CPU per cycle of the
 * {@code cnm up} process ({@code --pid}: its user + system time from /proc, with its waited-for
 * children such as {@code nft}), of this client, and of the whole machine (all CPUs' busy time
 * from /proc/stat, which includes the kernel's own threads — namespace cleanup, RCU — and
 * anything else running).
 *
 * <p>A warm-up of {@code --warmup} cycles (uncounted, spread over the client counts) runs first:
 * on two cores the JIT compilation of {@code cnm up} goes on for well over a thousand Joins.
 *
 * <p>Usage: {@code ChurnE2EBench --target unix:/path/cnm.sock --pid PID --alive 0,100,1000
 * --clients 1,8 --duration 20 [--warmup 2000] --results FILE.jsonl}
 */
public final class ChurnE2EBench {
  private static final String PEER = "cnm-up";
  private static final String NET = "cnmchurn";
  private static final long CLK_TCK = 100; // USER_HZ on every Linux architecture we run on

  private ChurnE2EBench() {}

  public static void main(String[] args) throws Exception {
    String target = "unix:/run/cnm/cnm.sock";
    long pid = -1;
    int[] alive = {0, 100, 1000};
    int[] clients = {1, 8};
    double duration = 20;
    int warmup = 2000;
    Path results = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--target" -> target = args[++i];
        case "--pid" -> pid = Long.parseLong(args[++i]);
        case "--alive" -> alive = ints(args[++i]);
        case "--clients" -> clients = ints(args[++i]);
        case "--duration" -> duration = Double.parseDouble(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--results" -> results = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    Arrays.sort(alive);
    ManagedChannel channel = Channels.forTarget(target, ClientOptions.plaintext(Telemetry.noop()));
    try {
      NetworkControllerGrpc.NetworkControllerBlockingStub stub = NetworkControllerGrpc.newBlockingStub(channel);
      stub.withDeadlineAfter(30, TimeUnit.SECONDS).createNetwork(CreateNetworkRequest.newBuilder().setNetwork(
          Network.newBuilder().setName(NET).putOptions("bridge_name", "cnmchurn0")
              .setIpam(IpamConfig.newBuilder().addIpv4(IpamPool.newBuilder().setSubnet("10.205.0.0/16")))).build());
      for (int round = 0, done = 0; done < warmup; round++) {
        int c = clients[round % clients.length];
        int per = Math.max(1, Math.min(250, warmup - done) / c);
        cycles(stub, c, "w" + round + "-", per, 0, null);
        done += per * c;
      }
      int kept = 0;
      for (int k : alive) {
        for (; kept < k; kept++) {
          attach(stub, "alive-" + kept, null);
        }
        for (int c : clients) {
          pass(stub, pid, k, c, duration, results);
        }
      }
      for (int i = 0; i < kept; i++) {
        detach(stub, "alive-" + i, null);
      }
      stub.withDeadlineAfter(30, TimeUnit.SECONDS).deleteNetwork(DeleteNetworkRequest.newBuilder().setNetwork(NET).build());
    } finally {
      channel.shutdownNow();
    }
  }

  private static int[] ints(String list) {
    return Arrays.stream(list.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
  }

  /** The latencies of a pass: the four operations and the whole cycle. */
  private record Samples(PhaseSamples attach, PhaseSamples join, PhaseSamples leave, PhaseSamples detach,
      PhaseSamples cycle) {
    static Samples of(String suffix) {
      return new Samples(new PhaseSamples(PEER, "churn.attach" + suffix, 1024),
          new PhaseSamples(PEER, "churn.join" + suffix, 1024), new PhaseSamples(PEER, "churn.leave" + suffix, 1024),
          new PhaseSamples(PEER, "churn.detach" + suffix, 1024), new PhaseSamples(PEER, "churn.cycle" + suffix, 1024));
    }

    List<PhaseSamples> all() {
      return List.of(attach, join, leave, detach, cycle);
    }
  }

  private static void pass(NetworkControllerGrpc.NetworkControllerBlockingStub stub, long pid, int k, int c,
      double seconds, Path results) throws Exception {
    String suffix = "@k" + k + "c" + c;
    Samples s = Samples.of(suffix);
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    System.err.printf(Locale.ROOT, "# phase churn%s %.3f%n", suffix, System.currentTimeMillis() / 1000.0);
    long upCpu0 = processCpuTicks(pid);
    long[] host0 = hostTicks();
    long self0 = selfCpuNanos();
    s.all().forEach(PhaseSamples::start);
    cycles(stub, c, "k" + k + "c" + c + "-", Integer.MAX_VALUE, deadline, s);
    s.all().forEach(PhaseSamples::stop);
    long upCpu = processCpuTicks(pid) - upCpu0;
    long[] host1 = hostTicks();
    long self = selfCpuNanos() - self0;
    int n = s.cycle().count();
    double upMs = pid > 0 ? upCpu * 1000.0 / CLK_TCK / n : -1;
    double hostMs = (host1[0] - host0[0]) * 1000.0 / CLK_TCK / n;
    double selfMs = self / 1e6 / n;
    String host = dev.cnm.runtime.HostName.get();
    String ts = Instant.now().toString();
    StringBuilder lines = new StringBuilder();
    for (PhaseSamples p : s.all()) {
      System.out.println(p.line());
      lines.append(p.json(host, ts)).append('\n');
    }
    for (String[] v : new String[][] {
        {"churn.cpu_per_cycle" + suffix, fmt(upMs)},
        {"churn.client_cpu_per_cycle" + suffix, fmt(selfMs)},
        {"churn.host_cpu_per_cycle" + suffix, fmt(hostMs)}}) {
      System.out.printf(Locale.ROOT, "[%s] %-28s %s ms%n", PEER, v[0], v[1]);
      lines.append(String.format(Locale.ROOT, "{\"peer\":\"%s\",\"metric\":\"%s\",\"value\":%s,\"unit\":\"ms\","
          + "\"host\":\"%s\",\"ts\":\"%s\"}%n", PEER, v[0], v[1], host, ts));
    }
    if (results != null) {
      Files.writeString(results, lines, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.3f", v);
  }

  /**
   * C threads, each running attach → detach cycles of its own containers until {@code perClient}
   * cycles are done or the deadline (System.nanoTime; 0 = none) has passed.
   */
  private static void cycles(NetworkControllerGrpc.NetworkControllerBlockingStub stub, int c, String prefix,
      int perClient, long deadline, Samples s) throws Exception {
    AtomicReference<RuntimeException> failure = new AtomicReference<>();
    Thread[] threads = new Thread[c];
    for (int t = 0; t < c; t++) {
      String p = prefix + "t" + t + "-";
      threads[t] = new Thread(() -> {
        for (int i = 0; i < perClient && failure.get() == null && (deadline == 0 || System.nanoTime() < deadline); i++) {
          try {
            long[] a = attach(stub, p + i, s == null ? null : new long[3]);
            long[] d = detach(stub, p + i, s == null ? null : new long[3]);
            if (s != null) {
              synchronized (s) {
                s.join().add(a[2] - a[1]);
                s.attach().add(a[2] - a[0]);
                s.leave().add(d[1] - d[0]);
                s.detach().add(d[2] - d[0]);
                s.cycle().add(d[2] - a[0]);
              }
            }
          } catch (RuntimeException e) {
            failure.compareAndSet(null, e);
          }
        }
      });
      threads[t].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    if (failure.get() != null) {
      throw failure.get();
    }
  }

  /** Attach; times (when given): [0] start, [1] Join sent, [2] Join returned. */
  private static long[] attach(NetworkControllerGrpc.NetworkControllerBlockingStub stub, String name, long[] times) {
    NetworkControllerGrpc.NetworkControllerBlockingStub s = stub.withDeadlineAfter(30, TimeUnit.SECONDS);
    long t0 = System.nanoTime();
    s.createEndpoint(CreateEndpointRequest.newBuilder().setNetwork(NET)
        .setEndpoint(Endpoint.newBuilder().setName(name)).build());
    s.createSandbox(CreateSandboxRequest.newBuilder().setSandbox(Sandbox.newBuilder()
        .setContainerId(name).setHostname("c")).build());
    long t1 = System.nanoTime();
    s.join(JoinRequest.newBuilder().setNetwork(NET).setEndpoint(name).setSandbox(name).build());
    if (times != null) {
      times[0] = t0;
      times[1] = t1;
      times[2] = System.nanoTime();
    }
    return times;
  }

  /** Detach; times (when given): [0] start, [1] Leave returned, [2] DeleteSandbox returned. */
  private static long[] detach(NetworkControllerGrpc.NetworkControllerBlockingStub stub, String name, long[] times) {
    NetworkControllerGrpc.NetworkControllerBlockingStub s = stub.withDeadlineAfter(30, TimeUnit.SECONDS);
    long t0 = System.nanoTime();
    s.leave(LeaveRequest.newBuilder().setNetwork(NET).setEndpoint(name).setSandbox(name).build());
    long t1 = System.nanoTime();
    s.deleteEndpoint(DeleteEndpointRequest.newBuilder().setNetwork(NET).setEndpoint(name).build());
    s.deleteSandbox(DeleteSandboxRequest.newBuilder().setSandbox(name).build());
    if (times != null) {
      times[0] = t0;
      times[1] = t1;
      times[2] = System.nanoTime();
    }
    return times;
  }

  /** utime + stime + cutime + cstime of a process, in clock ticks; 0 without a pid. */
  private static long processCpuTicks(long pid) throws IOException {
    if (pid <= 0) {
      return 0;
    }
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    // fields after the command name (which may hold spaces) in parentheses; utime is field 14
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
  }

  /** [busy ticks of all CPUs] from /proc/stat's first line (everything but idle and iowait). */
  private static long[] hostTicks() throws IOException {
    String cpu = Files.readAllLines(Path.of("/proc/stat")).get(0);
    String[] f = cpu.trim().split("\\s+");
    long busy = 0;
    // user nice system idle iowait irq softirq steal: fields 4 and 5 are not busy
    for (int i = 1; i < f.length && i <= 8; i++) {
      if (i != 4 && i != 5) {
        busy += Long.parseLong(f[i]);
      }
    }
    return new long[] {busy};
  }

  private static long selfCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }
}
