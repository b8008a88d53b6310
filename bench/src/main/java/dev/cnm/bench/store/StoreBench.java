package dev.cnm.bench.store;

import com.google.protobuf.ByteString;
import dev.cnm.api.v1.Compare;
import dev.cnm.api.v1.PutRequest;
import dev.cnm.api.v1.RangeRequest;
import dev.cnm.api.v1.RequestOp;
import dev.cnm.api.v1.StoreGrpc;
import dev.cnm.api.v1.TxnRequest;
import dev.cnm.api.v1.TxnResponse;
import dev.cnm.api.v1.WatchRequest;
import dev.cnm.api.v1.WatchResponse;
import dev.cnm.runtime.config.ServerOptions;
import dev.cnm.store.StoreServer;
import dev.cnm.testing.EtcdProcess;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Store benchmark over real gRPC on loopback: put, guarded Txn (compare mod_revision, put),
 * single-key range, and watch delivery (writer → watcher latency), for the embedded backend and
 * the etcd backend (a real etcd started here), with 1 and 16 clients. Prints a Markdown table.
 * Usage: {@code StoreBench [seconds-per-cell]} (default 5).
 */
public final class StoreBench {
  private static final int[] CLIENTS = {1, 16};
  /** Outstanding guarded writes per client in the pipelined row (16 × 32 = 512 in flight). */
  private static final int PIPELINE_DEPTH = 32;
  private static final ByteString VALUE = ByteString.copyFrom(new byte[256]);

  private interface Op {
    /** One operation of client {@code c}; returns false when it was a lost CAS (not counted). */
    boolean run(StoreGrpc.StoreBlockingStub kv, int c, long i);
  }

  private record Row(String backend, String op, int clients, double perSecond, double p50, double p99) {}

  public static void main(String[] args) throws Exception {
    long seconds = args.length > 0 ? Long.parseLong(args[0]) : 5;
    List<Row> rows = new ArrayList<>();
    Path dir = Files.createTempDirectory("cnm-bench-store-");
    try (EtcdProcess etcd = EtcdProcess.start();
        StoreServer embedded = StoreServer.start(StoreServer.Backend.EMBEDDED, dir, List.of(),
            ServerOptions.insecureListeningOn("127.0.0.1:0"));
        StoreServer overEtcd = StoreServer.start(StoreServer.Backend.ETCD, dir, List.of(etcd.endpoint()),
            ServerOptions.insecureListeningOn("127.0.0.1:0"))) {
      rows.addAll(runAll("embedded", embedded.port(), seconds));
      rows.addAll(runAll("etcd", overEtcd.port(), seconds));
    } finally {
      try (var paths = Files.walk(dir)) {
        System.err.println("embedded database after the run: " + Files.size(dir.resolve("store.db")) / 1024
            + " KiB, WAL " + (Files.exists(dir.resolve("store.db-wal")) ? Files.size(dir.resolve("store.db-wal")) / 1024 : 0)
            + " KiB");
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
    System.out.println("| backend | operation | clients | ops/s | p50 ms | p99 ms |");
    System.out.println("|---|---|---:|---:|---:|---:|");
    for (Row r : rows) {
      System.out.printf(Locale.ROOT, "| %s | %s | %d | %.0f | %.2f | %.2f |%n",
          r.backend(), r.op(), r.clients(), r.perSecond(), r.p50(), r.p99());
    }
  }

  private static List<Row> runAll(String backend, int port, long seconds) throws Exception {
    List<ManagedChannel> channels = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      channels.add(NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build());
    }
    String run = "/bench/" + backend + "/" + System.nanoTime() + "/";
    List<Row> rows = new ArrayList<>();
    try {
      StoreGrpc.StoreBlockingStub first = StoreGrpc.newBlockingStub(channels.get(0));
      for (int k = 0; k < 1000; k++) {
        first.put(PutRequest.newBuilder().setKey(key(run + "r/" + k)).setValue(VALUE).build());
      }
      for (int clients : CLIENTS) {
        long[][] lastRev = new long[16][1];
        rows.add(cell(backend, "put", clients, seconds, channels, (kv, c, i) -> {
          kv.put(PutRequest.newBuilder().setKey(key(run + "p/" + c + "/" + (i % 100))).setValue(VALUE).build());
          return true;
        }));
        rows.add(cell(backend, "guarded txn (CAS)", clients, seconds, channels, (kv, c, i) -> {
          ByteString k = key(run + "t/" + clients + "/" + c);
          TxnResponse r = kv.txn(TxnRequest.newBuilder()
              .addCompare(Compare.newBuilder().setKey(k).setTarget(Compare.Target.MOD_REVISION)
                  .setResult(Compare.Result.EQUAL).setModRevision(lastRev[c][0]))
              .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(k).setValue(VALUE)))
              .build());
          if (!r.getSucceeded()) {
            throw new IllegalStateException("CAS on a private key lost: " + k.toStringUtf8());
          }
          lastRev[c][0] = r.getHeader().getRevision();
          return true;
        }));
        rows.add(cell(backend, "range (1 key)", clients, seconds, channels, (kv, c, i) -> {
          kv.range(RangeRequest.newBuilder().setKey(key(run + "r/" + ThreadLocalRandom.current().nextInt(1000))).build());
          return true;
        }));
        rows.add(watchCell(backend, clients, seconds, channels, run + "w/" + clients + "/"));
      }
      double[] piped = PipelinedCas.run(channels, run + "pc/", 16, PIPELINE_DEPTH, seconds);
      rows.add(new Row(backend, "guarded txn (CAS), " + PIPELINE_DEPTH + " in flight per client", 16,
          piped[0], piped[1], piped[2]));
    } finally {
      channels.forEach(ManagedChannel::shutdownNow);
    }
    return rows;
  }

  private static ByteString key(String s) {
    return ByteString.copyFromUtf8(s);
  }

  /** Runs {@code op} from {@code clients} threads: 1 s warm-up, then {@code seconds} measured. */
  private static Row cell(String backend, String name, int clients, long seconds, List<ManagedChannel> channels, Op op)
      throws InterruptedException {
    List<Latencies> parts = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    long end = warmEnd + TimeUnit.SECONDS.toNanos(seconds);
    for (int c = 0; c < clients; c++) {
      Latencies mine = new Latencies();
      parts.add(mine);
      int client = c;
      StoreGrpc.StoreBlockingStub kv = StoreGrpc.newBlockingStub(channels.get(c % channels.size()));
      Thread t = new Thread(() -> {
        for (long i = 0; ; i++) {
          long t0 = System.nanoTime();
          if (t0 >= end) {
            return;
          }
          op.run(kv.withDeadlineAfter(10, TimeUnit.SECONDS), client, i);
          long t1 = System.nanoTime();
          if (t0 >= warmEnd) {
            mine.add(t1 - t0);
          }
        }
      });
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    Latencies all = Latencies.merge(parts);
    return new Row(backend, name, clients, all.count() / (double) seconds, all.percentileMillis(0.5),
        all.percentileMillis(0.99));
  }

  /**
   * Watch delivery: one watcher on a prefix, {@code clients} writers putting the send time
   * (System.nanoTime) as the value; latency = receive time - send time. ops/s = events delivered/s.
   */
  private static Row watchCell(String backend, int clients, long seconds, List<ManagedChannel> channels, String prefix)
      throws InterruptedException {
    Latencies delivered = new Latencies();
    long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    CountDownLatch ready = new CountDownLatch(1);
    Object lock = new Object();
    var ctx = io.grpc.Context.current().withCancellation();
    ctx.run(() -> StoreGrpc.newStub(channels.get(15)).watch(WatchRequest.newBuilder().setKey(key(prefix)).setPrefix(true)
        .setProgressNotify(true).build(), new StreamObserver<WatchResponse>() {
          @Override
          public void onNext(WatchResponse r) {
            long now = System.nanoTime();
            if (r.getEventsCount() == 0) {
              ready.countDown();
            }
            synchronized (lock) {
              for (var e : r.getEventsList()) {
                long sent = ByteBuffer.wrap(e.getKv().getValue().toByteArray()).getLong();
                if (sent >= warmEnd) {
                  delivered.add(now - sent);
                }
              }
            }
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        }));
    ready.await(10, TimeUnit.SECONDS);
    cell(backend, "watch writers", clients, seconds, channels, (kv, c, i) -> {
      byte[] v = ByteBuffer.allocate(8).putLong(System.nanoTime()).array();
      kv.put(PutRequest.newBuilder().setKey(key(prefix + c + "/" + (i % 100))).setValue(ByteString.copyFrom(v)).build());
      return true;
    });
    Thread.sleep(500); // let the last events arrive
    ctx.cancel(null);
    Latencies all;
    synchronized (lock) {
      all = Latencies.merge(List.of(delivered));
    }
    return new Row(backend, "watch delivery", clients, all.count() / (double) seconds, all.percentileMillis(0.5),
        all.percentileMillis(0.99));
  }
}
