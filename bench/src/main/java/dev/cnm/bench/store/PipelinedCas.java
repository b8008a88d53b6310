package dev.cnm.bench.store;

import com.google.protobuf.ByteString;
import dev.cnm.api.v1.Compare;
import dev.cnm.api.v1.PutRequest;
import dev.cnm.api.v1.RequestOp;
import dev.cnm.api.v1.StoreGrpc;
import dev.cnm.api.v1.TxnRequest;
import dev.cnm.api.v1.TxnResponse;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Guarded writes with many in flight: {@code clients} connections × {@code depth} outstanding
 * CAS chains each (every chain compares its own key's mod_revision and puts). This is what a
 * busy controller or IPAM fleet does to the store, and what group commit is for: one fsync
 * acknowledges every write of the batch.
 */
final class PipelinedCas {
  private PipelinedCas() {}

  /** Returns {ops/s, p50 ms, p99 ms}. */
  static double[] run(List<ManagedChannel> channels, String prefix, int clients, int depth, long seconds)
      throws InterruptedException {
    long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    long end = warmEnd + TimeUnit.SECONDS.toNanos(seconds);
    int slots = clients * depth;
    CountDownLatch done = new CountDownLatch(slots);
    List<Latencies> parts = new ArrayList<>();
    for (int s = 0; s < slots; s++) {
      Latencies lat = new Latencies();
      parts.add(lat);
      StoreGrpc.StoreStub stub = StoreGrpc.newStub(channels.get(s % clients % channels.size()));
      new Chain(stub, ByteString.copyFromUtf8(prefix + s), lat, warmEnd, end, done).next(0);
    }
    if (!done.await(seconds + 30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("pipelined CAS did not finish");
    }
    Latencies all = Latencies.merge(parts);
    return new double[] {all.count() / (double) seconds, all.percentileMillis(0.5), all.percentileMillis(0.99)};
  }

  private static final class Chain {
    private final StoreGrpc.StoreStub stub;
    private final ByteString key;
    private final Latencies lat;
    private final long warmEnd;
    private final long end;
    private final CountDownLatch done;

    Chain(StoreGrpc.StoreStub stub, ByteString key, Latencies lat, long warmEnd, long end, CountDownLatch done) {
      this.stub = stub;
      this.key = key;
      this.lat = lat;
      this.warmEnd = warmEnd;
      this.end = end;
      this.done = done;
    }

    void next(long modRevision) {
      long t0 = System.nanoTime();
      if (t0 >= end) {
        done.countDown();
        return;
      }
      stub.withDeadlineAfter(30, TimeUnit.SECONDS).txn(TxnRequest.newBuilder()
          .addCompare(Compare.newBuilder().setKey(key).setTarget(Compare.Target.MOD_REVISION)
              .setResult(Compare.Result.EQUAL).setModRevision(modRevision))
          .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(key).setValue(key)))
          .build(), new StreamObserver<TxnResponse>() {
            @Override
            public void onNext(TxnResponse r) {
              long t1 = System.nanoTime();
              if (!r.getSucceeded()) {
                throw new IllegalStateException("CAS on a private key lost: " + key.toStringUtf8());
              }
              synchronized (lat) {
                if (t0 >= warmEnd) {
                  lat.add(t1 - t0);
                }
              }
              next(r.getHeader().getRevision());
            }

            @Override
            public void onError(Throwable t) {
              System.err.println("pipelined CAS failed: " + t);
              done.countDown();
            }

            @Override
            public void onCompleted() {}
          });
    }
  }
}
