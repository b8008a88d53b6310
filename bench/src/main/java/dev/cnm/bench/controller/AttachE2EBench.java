package dev.cnm.bench.controller;

import dev.cnm.bench.report.PhaseSamples;
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
import dev.cnm.runtime.Telemetry;
import dev.cnm.runtime.grpc.Channels;
import dev.cnm.runtime.grpc.ClientOptions;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * End-to-end attach through a running {@code cnm up} (issue 5): per container, attach =
 * CreateEndpoint + CreateSandbox + Join (each Join returns after the agent programmed the kernel),
 * detach = Leave + DeleteEndpoint + DeleteSandbox; N sequential containers, as a runtime starting
 * them one by one. A warm-up (20 containers unless {@code --warmup N}; attached and detached in rounds
 * of at most 250, with the measured passes' concurrencies in turn) runs first and is not counted: `cnm up` is a long-running process, and on two cores
 * its JIT compilation goes on for well over a thousand containers (the C2 compiler thread then
 * takes up to a third of the process's CPU), which would inflate the measured part.
 * With {@code --concurrency C} (default 1) C clients attach (then detach) containers side by
 * side, as a runtime starting many containers at once does; the metrics are then named
 * {@code attach@C} etc., and their rate is containers per second of the whole phase. A list
 * ({@code --concurrency 1,8}) measures one pass per entry, in order, after the one warm-up: the
 * benchmark's own client then runs warm too, instead of a fresh JVM whose JIT compilation
 * competes with {@code cnm up} for the same two cores.
 *
 * <p>Usage: {@code AttachE2EBench --target unix:/path/cnm.sock --n 500 [--concurrency C[,C...]] --results FILE.jsonl}
 */
public final class AttachE2EBench {
  private static final int WARMUP_ROUND = 250;

  private AttachE2EBench() {}

  public static void main(String[] args) throws Exception {
    String target = "unix:/run/cnm/cnm.sock";
    int n = 500;
    int warmup = 20;
    int[] concurrency = {1};
    Path results = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--target" -> target = args[++i];
        case "--n" -> n = Integer.parseInt(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--concurrency" -> concurrency = java.util.Arrays.stream(args[++i].split(","))
            .mapToInt(c -> Integer.parseInt(c.trim())).toArray();
        case "--results" -> results = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    ManagedChannel channel = Channels.forTarget(target, ClientOptions.plaintext(Telemetry.noop()));
    try {
      NetworkControllerGrpc.NetworkControllerBlockingStub stub = NetworkControllerGrpc.newBlockingStub(channel);
      stub.withDeadlineAfter(30, TimeUnit.SECONDS).createNetwork(CreateNetworkRequest.newBuilder().setNetwork(
          Network.newBuilder().setName("cnmbench").putOptions("bridge_name", "cnmbench0")
              .setIpam(IpamConfig.newBuilder().addIpv4(IpamPool.newBuilder().setSubnet("10.204.0.0/16")))).build());
      // in rounds, so that a long warm-up never holds more than WARMUP_ROUND containers at once,
      // taking the measured passes' concurrencies in turn: the JIT then has compiled the paths of
      // each (a concurrent pass after a sequential warm-up still set both JVMs compiling)
      for (int done = 0, round = 0; done < warmup; done += WARMUP_ROUND, round++) {
        run(stub, "warmup" + round + "-", Math.min(WARMUP_ROUND, warmup - done),
            concurrency[round % concurrency.length], null);
      }
      for (int c : concurrency) {
        run(stub, "c" + c + "-", n, c, results);
      }
      stub.withDeadlineAfter(30, TimeUnit.SECONDS).deleteNetwork(
          DeleteNetworkRequest.newBuilder().setNetwork("cnmbench").build());
    } finally {
      channel.shutdownNow();
    }
  }

  /**
   * A measured phase's start on stderr, in epoch seconds, so that samples taken beside the run
   * (per-thread CPU, perf) can be cut to the phase.
   */
  private static void mark(Path results, String phase) {
    if (results != null) {
      System.err.printf(Locale.ROOT, "# phase %s %.3f%n", phase, System.currentTimeMillis() / 1000.0);
    }
  }

  private static void run(NetworkControllerGrpc.NetworkControllerBlockingStub stub, String prefix, int n,
      int concurrency, Path results) throws Exception {
    String suffix = concurrency == 1 ? "" : "@" + concurrency;
    PhaseSamples attach = new PhaseSamples("cnm-up", "attach" + suffix, n);
    PhaseSamples detach = new PhaseSamples("cnm-up", "detach" + suffix, n);
    PhaseSamples createEndpoint = new PhaseSamples("cnm-up", "attach.create_endpoint" + suffix, n);
    PhaseSamples createSandbox = new PhaseSamples("cnm-up", "attach.create_sandbox" + suffix, n);
    PhaseSamples join = new PhaseSamples("cnm-up", "attach.join" + suffix, n);
    mark(results, prefix + "attach");
    attach.start();
    createEndpoint.start();
    createSandbox.start();
    join.start();
    inParallel(n, concurrency, i -> {
      NetworkControllerGrpc.NetworkControllerBlockingStub s = stub.withDeadlineAfter(30, TimeUnit.SECONDS);
      long t0 = System.nanoTime();
      s.createEndpoint(CreateEndpointRequest.newBuilder().setNetwork("cnmbench")
          .setEndpoint(Endpoint.newBuilder().setName(prefix + "ep" + i)).build());
      long t1 = System.nanoTime();
      s.createSandbox(CreateSandboxRequest.newBuilder().setSandbox(Sandbox.newBuilder()
          .setContainerId(prefix + "ctr" + i).setHostname("c" + i)).build());
      long t2 = System.nanoTime();
      s.join(JoinRequest.newBuilder().setNetwork("cnmbench").setEndpoint(prefix + "ep" + i)
          .setSandbox(prefix + "ctr" + i).build());
      long t3 = System.nanoTime();
      synchronized (attach) {
        attach.add(t3 - t0);
        createEndpoint.add(t1 - t0);
        createSandbox.add(t2 - t1);
        join.add(t3 - t2);
      }
    });
    attach.stop();
    createEndpoint.stop();
    createSandbox.stop();
    join.stop();
    mark(results, prefix + "detach");
    detach.start();
    inParallel(n, concurrency, i -> {
      NetworkControllerGrpc.NetworkControllerBlockingStub s = stub.withDeadlineAfter(30, TimeUnit.SECONDS);
      long t0 = System.nanoTime();
      s.leave(LeaveRequest.newBuilder().setNetwork("cnmbench").setEndpoint(prefix + "ep" + i)
          .setSandbox(prefix + "ctr" + i).build());
      s.deleteEndpoint(DeleteEndpointRequest.newBuilder().setNetwork("cnmbench").setEndpoint(prefix + "ep" + i).build());
      s.deleteSandbox(DeleteSandboxRequest.newBuilder().setSandbox(prefix + "ctr" + i).build());
      long t1 = System.nanoTime();
      synchronized (detach) {
        detach.add(t1 - t0);
      }
    });
    detach.stop();
    mark(results, prefix + "end");
    if (results == null) {
      return;
    }
    for (PhaseSamples l : new PhaseSamples[] {attach, createEndpoint, createSandbox, join, detach}) {
      System.out.println(l.line());
    }
    String host = dev.cnm.runtime.HostName.get();
    String ts = Instant.now().toString();
    StringBuilder lines = new StringBuilder();
    for (PhaseSamples l : new PhaseSamples[] {attach, createEndpoint, createSandbox, join, detach}) {
      lines.append(l.json(host, ts)).append('\n');
    }
    Files.writeString(results, lines, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  /** Runs {@code body} for container 0..n-1 on {@code concurrency} threads, each taking the next one. */
  private static void inParallel(int n, int concurrency, java.util.function.IntConsumer body) throws Exception {
    java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicReference<RuntimeException> failure = new java.util.concurrent.atomic.AtomicReference<>();
    Thread[] threads = new Thread[concurrency];
    for (int t = 0; t < concurrency; t++) {
      threads[t] = new Thread(() -> {
        for (int i; failure.get() == null && (i = next.getAndIncrement()) < n; ) {
          try {
            body.accept(i);
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
}
