package dev.cnm.bench.ipam;

import dev.cnm.api.v1.IpamGrpc;
import dev.cnm.api.v1.RequestAddressRequest;
import dev.cnm.api.v1.RequestPoolRequest;
import dev.cnm.ipam.domain.AllocationKind;
import dev.cnm.ipam.domain.IpamConfig;
import dev.cnm.ipam.domain.OrdinalMap;
import dev.cnm.ipam.server.IpamServer;
import dev.cnm.runtime.config.ServerOptions;
import dev.cnm.runtime.net.Cidr;
import dev.cnm.store.StoreServer;
import dev.cnm.testing.EtcdProcess;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * IPAM benchmark (issue 3): allocations/s and p50/p99 latency of (a) the allocator in-process,
 * (b) ipam-service over gRPC with the embedded store, (c) the same with etcd, each with 1 and
 * 16 clients; and etcd's own single-client sequential put rate (jetcd) as the peer.
 * A client has one call in flight at a time. Unless a row says "blocking client threads", each
 * client is a chain of asynchronous calls, as load generators such as ghz drive a server: the
 * clients share this JVM's two cores with the servers, and a thread per client, woken for every
 * answer, costs the servers about a third of their throughput (docs/benchmarks-history.md).
 * Run by scripts/bench-ipam.sh; prints a Markdown table.
 */
public final class IpamBench {
  /** Each measured run gets a fresh /16 (10.200.0.0/16, 10.201.0.0/16, ...), also on a shared etcd. */
  private static int nextPool;

  private IpamBench() {
  }

  /** One measured run: ops, wall time, per-op latencies in ns, CPU time of the whole JVM. */
  record Result(String name, int clients, int ops, long wallNanos, long[] lat, long cpuNanos) {
    String row() {
      Arrays.sort(lat);
      double perSec = ops / (wallNanos / 1e9);
      return String.format("| %s | %d | %,d | %,.0f | %.2f | %.2f | %.1f |", name, clients, ops, perSec,
          lat[lat.length / 2] / 1000.0, lat[(int) (lat.length * 0.99)] / 1000.0, cpuNanos / 1000.0 / ops);
    }
  }

  /** CPU time of this process (every thread: clients, ipam-service, store-service, GC, JIT). */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
        .getOperatingSystemMXBean()).getProcessCpuTime();
  }

  interface Op {
    void run(int client, int n) throws Exception;
  }

  static Result measure(String name, int clients, int ops, Op op) throws Exception {
    long[] lat = new long[ops];
    AtomicInteger next = new AtomicInteger();
    Thread[] threads = new Thread[clients];
    Exception[] failure = new Exception[1];
    long cpu = processCpuNanos();
    long start = System.nanoTime();
    for (int c = 0; c < clients; c++) {
      int client = c;
      threads[c] = new Thread(() -> {
        int n;
        while ((n = next.getAndIncrement()) < ops) {
          long t0 = System.nanoTime();
          try {
            op.run(client, n);
          } catch (Exception e) {
            failure[0] = e;
            return;
          }
          lat[n] = System.nanoTime() - t0;
        }
      });
      threads[c].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    if (failure[0] != null) {
      throw failure[0];
    }
    long wall = System.nanoTime() - start;
    return new Result(name, clients, ops, wall, lat, processCpuNanos() - cpu);
  }

  /** A call that completes on its own: start call {@code n}; {@code done} gets null or the error. */
  interface AsyncOp {
    void start(int n, Consumer<Throwable> done);
  }

  /**
   * Like {@link #measure}, but each client is a chain of asynchronous calls (the next starts in
   * the completion of the one before, on the channel's event loop): still one call in flight per
   * client, without a thread per client to wake for every answer.
   */
  static Result measureAsync(String name, int clients, int ops, AsyncOp op) throws Exception {
    long[] lat = new long[ops];
    AtomicInteger next = new AtomicInteger();
    CountDownLatch finished = new CountDownLatch(clients);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    long cpu = processCpuNanos();
    long start = System.nanoTime();
    for (int c = 0; c < clients; c++) {
      new Runnable() {
        @Override
        public void run() {
          int n = next.getAndIncrement();
          if (n >= ops || failure.get() != null) {
            finished.countDown();
            return;
          }
          long t0 = System.nanoTime();
          op.start(n, error -> {
            if (error != null) {
              failure.set(error);
              finished.countDown();
              return;
            }
            lat[n] = System.nanoTime() - t0;
            run();
          });
        }
      }.run();
    }
    finished.await();
    if (failure.get() != null) {
      throw new IllegalStateException("a call failed", failure.get());
    }
    long wall = System.nanoTime() - start;
    return new Result(name, clients, ops, wall, lat, processCpuNanos() - cpu);
  }

  public static void main(String[] args) throws Exception {
    int grpcOps = args.length > 0 ? Integer.parseInt(args[0]) : 60_000;
    String only = args.length > 1 ? args[1] : "abc";
    // CPU µs/alloc: CPU time of the whole benchmark JVM (clients and servers; not etcd) per allocation
    System.out.println("| setup | clients | allocations | allocations/s | p50 µs | p99 µs | CPU µs/alloc |");
    System.out.println("|---|---|---|---|---|---|---|");
    Cidr slash8 = Cidr.parseNetwork("pool", "10.0.0.0/8");
    for (int clients : only.contains("a") ? new int[] {1, 16} : new int[0]) {
      for (int warm = 0; warm < 2; warm++) {
        OrdinalMap map = new OrdinalMap(slash8.lastOrdinal(), true, true);
        Object lock = new Object();
        Result r = measure("(a) allocator in-process (/8, shared lock)", clients, 4_000_000, (c, n) -> {
          synchronized (lock) {
            map.allocateNext(0, map.last(), false, false, "ep", AllocationKind.ENDPOINT);
          }
        });
        if (warm == 1) {
          System.out.println(r.row());
        }
      }
    }
    // the default pipelines two batches per pool (IpamConfig.txnsInFlight = 2); the "1 txn in
    // flight" rows are the same service committing one batch per pool at a time, for comparison
    IpamConfig oneAtATime = IpamConfig.defaults().withTxnsInFlight(1);
    if (only.contains("b")) {
      // JIT warm-up of the whole gRPC path first, so no configuration below pays for it
      try (Stack warm = Stack.embedded(IpamConfig.defaults(), true)) {
        grpcRuns(null, warm, grpcOps, new int[] {16}, false);
      }
      try (Stack embedded = Stack.embedded(IpamConfig.defaults(), true)) {
        // goal (b)'s configuration, measured three times: runs on this shared machine vary by ±20 %
        grpcRuns("(b) gRPC, embedded store in the same process", embedded, grpcOps, new int[] {1, 16, 16, 16}, false);
        // the floor under (b): a unary call that does nothing (gRPC health), same clients and server
        HealthGrpc.HealthStub health = HealthGrpc.newStub(embedded.asyncChannel);
        for (int w = 0; w < 2; w++) {
          Result r = measureAsync("(ref) gRPC Health.Check on the same server, no IPAM", 16, grpcOps,
              (n, done) -> health.check(HealthCheckRequest.getDefaultInstance(), completion(done)));
          if (w == 1) {
            System.out.println(r.row());
          }
        }
        grpcRuns("(b) gRPC, embedded store in the same process, 16 blocking client threads", embedded, grpcOps,
            new int[] {16}, true);
      }
      try (Stack separate = Stack.embedded(IpamConfig.defaults(), false)) {
        grpcRuns("(b) gRPC, embedded store-service over loopback TCP", separate, grpcOps, new int[] {16}, false);
      }
      try (Stack embedded = Stack.embedded(oneAtATime, true)) {
        grpcRuns("(b) gRPC, embedded store in the same process, 1 txn in flight per pool", embedded, grpcOps,
            new int[] {16}, false);
      }
    }
    if (!only.contains("c")) {
      System.exit(0);
    }
    try (EtcdProcess etcd = EtcdProcess.start()) {
      try (Stack warm = Stack.etcd(etcd, IpamConfig.defaults())) {
        grpcRuns(null, warm, grpcOps, new int[] {16}, false);
      }
      try (Stack overEtcd = Stack.etcd(etcd, IpamConfig.defaults())) {
        grpcRuns("(c) gRPC, store-service on etcd over loopback TCP", overEtcd, grpcOps, new int[] {1, 16}, false);
      }
      try (Stack overEtcd = Stack.etcd(etcd, oneAtATime)) {
        grpcRuns("(c) gRPC, store-service on etcd, 1 txn in flight per pool", overEtcd, grpcOps, new int[] {16},
            false);
      }
      try (Client client = Client.builder().endpoints(etcd.endpoint()).build()) {
        ByteSequence value = ByteSequence.from(new byte[64]);
        for (int w = 0; w < 2; w++) {
          Result r = measure("etcd sequential put (jetcd, peer)", 1, 2_000, (c, n) -> client.getKVClient()
              .put(ByteSequence.from("/bench/" + n, StandardCharsets.UTF_8), value).get());
          if (w == 1) {
            System.out.println(r.row());
          }
        }
      }
    }
    System.exit(0);
  }

  /** An observer of one unary call that reports its end to {@code done}. */
  private static <T> StreamObserver<T> completion(Consumer<Throwable> done) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
      }

      @Override
      public void onError(Throwable t) {
        done.accept(t);
      }

      @Override
      public void onCompleted() {
        done.accept(null);
      }
    };
  }

  /**
   * Warm-up and measured runs per client count, each in a fresh /16; name null: warm-up only, no
   * rows. Clients are chains of asynchronous calls ({@link #measureAsync}), or with
   * {@code blockingThreads} a thread each, blocked in every call.
   */
  private static void grpcRuns(String name, Stack stack, int ops, int[] clientCounts, boolean blockingThreads)
      throws Exception {
    IpamGrpc.IpamBlockingStub blocking = IpamGrpc.newBlockingStub(stack.channel);
    IpamGrpc.IpamStub async = IpamGrpc.newStub(stack.asyncChannel);
    for (int clients : clientCounts) {
      int n = Math.min(65_000, clients == 1 ? Math.max(1000, ops / 10) : ops);
      // warm-up then measure, each in a fresh /16
      for (int w = 0; w < 2; w++) {
        String id = blocking.requestPool(RequestPoolRequest.newBuilder()
            .setPool("10." + (200 + nextPool++) + ".0.0/16").setOwner("bench").build()).getPool().getId();
        String label = String.valueOf(name);
        Result r = blockingThreads
            ? measure(label, clients, n, (c, i) -> blocking.requestAddress(request(id, i)))
            : measureAsync(label, clients, n, (i, done) -> async.requestAddress(request(id, i), completion(done)));
        if (w == 1 && name != null) {
          System.out.println(r.row());
        }
      }
    }
    if (name == null) {
      return;
    }
    // group-commit and conflict figures behind the rows above, and the store Txns' round trips
    System.err.println("metrics of: " + name);
    stack.ipam.scrape().lines().filter(l -> l.startsWith("cnm_ipam_batch") || l.startsWith("cnm_ipam_store")
        || l.startsWith("grpc_client_handling_seconds") && l.contains("grpc_method=\"Txn\"") && !l.contains("bucket"))
        .forEach(System.err::println);
  }

  private static RequestAddressRequest request(String poolId, int n) {
    return RequestAddressRequest.newBuilder().setPoolId(poolId).setOwner("ep-" + n).build();
  }

  /**
   * A store-service and one ipam-service in this JVM, and client channels to the ipam-service
   * over loopback TCP: {@code channel} runs callbacks on gRPC's default executor (for blocking
   * stubs), {@code asyncChannel} on the transport thread (for {@link #measureAsync}).
   */
  static final class Stack implements AutoCloseable {
    private static int stores;

    final StoreServer store;
    final IpamServer ipam;
    final ManagedChannel channel;
    final ManagedChannel asyncChannel;

    java.nio.file.Path dataDir;

    /**
     * The store as {@code cnm serve store} runs it, with this backend; ipam reaches it over an
     * in-process channel ({@code sameProcess}, as {@code cnm up} wires them) or loopback TCP.
     */
    Stack(StoreServer.Backend backend, java.nio.file.Path dataDir, List<String> etcdEndpoints, IpamConfig config,
        boolean sameProcess) throws Exception {
      this.dataDir = dataDir;
      String inProcess = "inprocess:bench-ipam-store-" + stores++;
      this.store = StoreServer.start(backend, dataDir, etcdEndpoints,
          ServerOptions.insecureListeningOn(sameProcess ? inProcess : "127.0.0.1:0"));
      this.ipam = IpamServer.start(sameProcess ? inProcess : "127.0.0.1:" + store.port(),
          ServerOptions.insecureListeningOn("127.0.0.1:0"), config);
      this.channel = NettyChannelBuilder.forAddress("127.0.0.1", ipam.port()).usePlaintext().build();
      this.asyncChannel = NettyChannelBuilder.forAddress("127.0.0.1", ipam.port()).usePlaintext()
          .directExecutor().build();
    }

    static Stack embedded(IpamConfig config, boolean sameProcess) throws Exception {
      return new Stack(StoreServer.Backend.EMBEDDED, Files.createTempDirectory("cnm-bench-ipam-"), List.of(), config,
          sameProcess);
    }

    static Stack etcd(EtcdProcess etcd, IpamConfig config) throws Exception {
      return new Stack(StoreServer.Backend.ETCD, null, List.of(etcd.endpoint()), config, false);
    }
    @Override
    public void close() throws Exception {
      channel.shutdownNow();
      asyncChannel.shutdownNow();
      ipam.close();
      store.close(); // and its backend
      if (dataDir != null) {
        try (var files = Files.walk(dataDir)) {
          files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
      }
    }
  }
}
