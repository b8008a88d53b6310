package dev.cnm.store.conformance;

import static dev.cnm.store.conformance.Grpc.b;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.cnm.api.v1.Compare;
import dev.cnm.api.v1.CompactRequest;
import dev.cnm.api.v1.DeleteRangeRequest;
import dev.cnm.api.v1.Event;
import dev.cnm.api.v1.LeaseGrantRequest;
import dev.cnm.api.v1.LeaseKeepAliveRequest;
import dev.cnm.api.v1.LeaseKeepAliveResponse;
import dev.cnm.api.v1.LeaseTimeToLiveRequest;
import dev.cnm.api.v1.PutRequest;
import dev.cnm.api.v1.RangeRequest;
import dev.cnm.api.v1.RangeResponse;
import dev.cnm.api.v1.RequestOp;
import dev.cnm.api.v1.StoreGrpc;
import dev.cnm.api.v1.TxnRequest;
import dev.cnm.api.v1.TxnResponse;
import dev.cnm.api.v1.WatchRequest;
import dev.cnm.api.v1.WatchResponse;
import dev.cnm.store.InProcessStore;
import dev.cnm.store.backend.KvBackend;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Store API's behaviour, through gRPC, identical for every backend. Each concrete subclass
 * supplies a backend; every test works under its own random key prefix.
 */
abstract class StoreConformanceSuite {
  protected InProcessStore store;
  protected StoreGrpc.StoreBlockingStub kv;
  protected String p;

  /** A fresh backend for one test. */
  protected abstract KvBackend newBackend();

  @BeforeEach
  void startStore() {
    store = InProcessStore.inProcess(newBackend());
    kv = StoreGrpc.newBlockingStub(store.channel()).withDeadlineAfter(30, TimeUnit.SECONDS);
    p = "/cnmt/" + UUID.randomUUID() + "/";
  }

  @AfterEach
  void stopStore() {
    store.close();
  }

  protected long put(String key, String value) {
    return kv.put(PutRequest.newBuilder().setKey(b(key)).setValue(b(value)).build()).getHeader().getRevision();
  }

  protected RangeResponse get(String key) {
    return kv.range(RangeRequest.newBuilder().setKey(b(key)).build());
  }

  protected long revision() {
    return get(p + "anything").getHeader().getRevision();
  }

  static RequestOp putOp(String key, String value) {
    return RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b(key)).setValue(b(value))).build();
  }

  static Compare absent(String key) {
    return Compare.newBuilder().setKey(b(key)).setTarget(Compare.Target.CREATE_REVISION)
        .setResult(Compare.Result.EQUAL).setCreateRevision(0).build();
  }

  @Test
  void casRace_sixteenCreators_exactlyOneWins() throws Exception {
    int n = 16;
    ExecutorService pool = Executors.newFixedThreadPool(n);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Boolean>> results = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String me = "writer-" + i;
      Callable<Boolean> attempt = () -> {
        go.await();
        return kv.txn(TxnRequest.newBuilder().addCompare(absent(p + "lock")).addSuccess(putOp(p + "lock", me)).build())
            .getSucceeded();
      };
      results.add(pool.submit(attempt));
    }
    go.countDown();
    int wins = 0;
    for (Future<Boolean> f : results) {
      wins += f.get(30, TimeUnit.SECONDS) ? 1 : 0;
    }
    pool.shutdown();
    assertThat(wins).isEqualTo(1);
    assertThat(get(p + "lock").getKvs(0).getVersion()).isEqualTo(1);
  }

  @Test
  void casRace_guardedIncrements_noLostUpdate() throws Exception {
    put(p + "n", "0");
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<Integer>> tries = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      tries.add(pool.submit(() -> {
        int attempts = 0;
        for (int done = 0; done < 10; ) {
          attempts++;
          var cur = get(p + "n").getKvs(0);
          int next = Integer.parseInt(cur.getValue().toStringUtf8()) + 1;
          TxnResponse r = kv.txn(TxnRequest.newBuilder()
              .addCompare(Compare.newBuilder().setKey(b(p + "n")).setTarget(Compare.Target.MOD_REVISION)
                  .setResult(Compare.Result.EQUAL).setModRevision(cur.getModRevision()))
              .addSuccess(putOp(p + "n", Integer.toString(next))).build());
          done += r.getSucceeded() ? 1 : 0;
        }
        return attempts;
      }));
    }
    for (Future<Integer> f : tries) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertThat(get(p + "n").getKvs(0).getValue().toStringUtf8()).isEqualTo("80");
  }

  @Test
  void txn_compareFails_runsFailureBranchOnly() {
    put(p + "a", "1");
    long before = revision();
    TxnResponse r = kv.txn(TxnRequest.newBuilder()
        .addCompare(Compare.newBuilder().setKey(b(p + "a")).setTarget(Compare.Target.VALUE)
            .setResult(Compare.Result.EQUAL).setValue(b("2")))
        .addSuccess(putOp(p + "b", "x")).addSuccess(putOp(p + "c", "x"))
        .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(b(p + "a"))))
        .build());
    assertThat(r.getSucceeded()).isFalse();
    assertThat(r.getResponses(0).getResponseRange().getKvs(0).getValue().toStringUtf8()).isEqualTo("1");
    assertThat(get(p + "b").getKvsCount()).isZero();
    assertThat(get(p + "c").getKvsCount()).isZero();
    assertThat(r.getHeader().getRevision()).isEqualTo(before);
  }

  @Test
  void txn_success_allWritesShareOneRevision() {
    long before = revision();
    TxnResponse r = kv.txn(TxnRequest.newBuilder().addCompare(absent(p + "a"))
        .addSuccess(putOp(p + "a", "1")).addSuccess(putOp(p + "b", "2"))
        .addSuccess(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(b(p)).setPrefix(true)))
        .build());
    assertThat(r.getSucceeded()).isTrue();
    long rev = r.getHeader().getRevision();
    assertThat(rev).isEqualTo(before + 1);
    assertThat(get(p + "a").getKvs(0).getModRevision()).isEqualTo(rev);
    assertThat(get(p + "b").getKvs(0).getModRevision()).isEqualTo(rev);
    assertThat(r.getResponses(2).getResponseRange().getCount()).isEqualTo(2);
  }

  @Test
  void txn_unknownLeaseInSuccessBranch_writesNothing() {
    long before = revision();
    Grpc.assertFails(() -> kv.txn(TxnRequest.newBuilder()
        .addSuccess(putOp(p + "a", "1"))
        .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b(p + "b")).setLease(987654321L)))
        .build()), Status.Code.NOT_FOUND, "lease");
    assertThat(get(p + "a").getKvsCount()).isZero();
    assertThat(revision()).isEqualTo(before);
  }

  @Test
  void watch_fromRevision_deliversInOrderAndResumesAfterLastSeen() throws Exception {
    long start = revision() + 1;
    for (int i = 0; i < 20; i++) {
      put(p + "w/" + (i % 3), "v" + i);
    }
    kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(b(p + "w/0")).build());
    List<Long> first = new ArrayList<>();
    try (Watching w = Watching.start(store, WatchRequest.newBuilder().setKey(b(p + "w/")).setPrefix(true)
        .setStartRevision(start).build())) {
      for (int i = 0; i < 10; i++) {
        first.add(w.nextEvent().getKv().getModRevision());
      }
    }
    assertThat(first).isSorted().doesNotHaveDuplicates().startsWith(start);
    long resumeFrom = first.get(first.size() - 1) + 1;
    put(p + "w/late", "x");
    List<Event> rest = new ArrayList<>();
    try (Watching w = Watching.start(store, WatchRequest.newBuilder().setKey(b(p + "w/")).setPrefix(true)
        .setStartRevision(resumeFrom).setPrevKv(true).build())) {
      for (int i = 0; i < 12; i++) {
        rest.add(w.nextEvent());
      }
      assertThat(w.poll(200)).isNull();
    }
    assertThat(rest.get(0).getKv().getModRevision()).isEqualTo(resumeFrom);
    assertThat(rest.get(10).getType()).isEqualTo(Event.EventType.DELETE);
    assertThat(rest.get(10).getPrevKv().getValue().toStringUtf8()).isEqualTo("v18");
    assertThat(rest.get(11).getKv().getKey()).isEqualTo(b(p + "w/late"));
    assertThat(rest).extracting(e -> e.getKv().getModRevision()).isSorted();
  }

  @Test
  void watch_fromNow_seesOnlyLaterWritesInRange() throws Exception {
    put(p + "before", "x");
    try (Watching w = Watching.start(store, WatchRequest.newBuilder().setKey(b(p + "in/")).setPrefix(true)
        .setProgressNotify(true).build())) {
      long startedAfter = w.next().getHeader().getRevision();
      put(p + "out", "x");
      long rev = put(p + "in/a", "1");
      Event e = w.nextEvent();
      assertThat(e.getKv().getKey()).isEqualTo(b(p + "in/a"));
      assertThat(e.getKv().getModRevision()).isEqualTo(rev).isGreaterThan(startedAfter);
    }
  }

  @Test
  void compact_oldRevision_rangeAndWatchAnswerOutOfRangeWithCompactRevision() throws Exception {
    long r1 = put(p + "c", "1");
    long r2 = put(p + "c", "2");
    long r3 = put(p + "c", "3");
    kv.compact(CompactRequest.newBuilder().setRevision(r2).build());
    var meta = Grpc.assertFails(() -> kv.range(RangeRequest.newBuilder().setKey(b(p + "c")).setRevision(r1).build()),
        Status.Code.OUT_OF_RANGE, "compacted");
    assertThat(meta).containsEntry("compact_revision", Long.toString(r2));
    assertThat(kv.range(RangeRequest.newBuilder().setKey(b(p + "c")).setRevision(r2).build()).getKvs(0)
        .getValue().toStringUtf8()).isEqualTo("2");
    assertThat(get(p + "c").getKvs(0).getModRevision()).isEqualTo(r3);
    try (Watching w = Watching.start(store, WatchRequest.newBuilder().setKey(b(p + "c")).setStartRevision(r1).build())) {
      WatchResponse last = w.next();
      assertThat(last.getCompactRevision()).isEqualTo(r2);
      Throwable end = w.error();
      assertThat(Status.fromThrowable(end).getCode()).isEqualTo(Status.Code.OUT_OF_RANGE);
      assertThat(Grpc.errorInfo(end)).containsEntry("compact_revision", Long.toString(r2));
    }
  }

  @Test
  void lease_expires_deletesKeysAndEmitsDeleteEvents() throws Exception {
    long lease = kv.leaseGrant(LeaseGrantRequest.newBuilder().setTtl(1).build()).getId();
    try (Watching w = Watching.start(store, WatchRequest.newBuilder().setKey(b(p + "l/")).setPrefix(true)
        .setProgressNotify(true).build())) {
      w.next(); // the watch is established
      kv.put(PutRequest.newBuilder().setKey(b(p + "l/a")).setLease(lease).setValue(b("1")).build());
      kv.put(PutRequest.newBuilder().setKey(b(p + "l/b")).setLease(lease).setValue(b("1")).build());
      var ttl = kv.leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setId(lease).setKeys(true).build());
      assertThat(ttl.getKeysList()).containsExactlyInAnyOrder(b(p + "l/a"), b(p + "l/b"));
      List<Event> events = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        events.add(w.nextEvent());
      }
      assertThat(events).extracting(Event::getType)
          .containsExactly(Event.EventType.PUT, Event.EventType.PUT, Event.EventType.DELETE, Event.EventType.DELETE);
    }
    assertThat(kv.range(RangeRequest.newBuilder().setKey(b(p + "l/")).setPrefix(true).build()).getCount()).isZero();
    assertThat(kv.leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setId(lease).build()).getTtl()).isEqualTo(-1);
  }

  @Test
  void lease_keptAlive_outlivesItsTtl() throws Exception {
    long lease = kv.leaseGrant(LeaseGrantRequest.newBuilder().setTtl(1).build()).getId();
    kv.put(PutRequest.newBuilder().setKey(b(p + "alive")).setLease(lease).setValue(b("1")).build());
    BlockingQueue<LeaseKeepAliveResponse> answers = new LinkedBlockingQueue<>();
    var in = StoreGrpc.newStub(store.channel()).leaseKeepAlive(new StreamObserver<>() {
      public void onNext(LeaseKeepAliveResponse r) {
        answers.add(r);
      }

      public void onError(Throwable t) {}

      public void onCompleted() {}
    });
    for (int i = 0; i < 8; i++) {
      in.onNext(LeaseKeepAliveRequest.newBuilder().setId(lease).build());
      assertThat(answers.poll(5, TimeUnit.SECONDS).getTtl()).isEqualTo(1);
      Thread.sleep(300);
    }
    in.onCompleted();
    assertThat(get(p + "alive").getKvsCount()).isEqualTo(1);
  }

  @Test
  void lease_revoked_deletesKeysAndKeepAliveAnswersTtlZero() throws Exception {
    long lease = kv.leaseGrant(LeaseGrantRequest.newBuilder().setTtl(60).build()).getId();
    kv.put(PutRequest.newBuilder().setKey(b(p + "r")).setLease(lease).setValue(b("1")).build());
    kv.leaseRevoke(dev.cnm.api.v1.LeaseRevokeRequest.newBuilder().setId(lease).build());
    assertThat(get(p + "r").getKvsCount()).isZero();
    BlockingQueue<LeaseKeepAliveResponse> answers = new LinkedBlockingQueue<>();
    var in = StoreGrpc.newStub(store.channel()).leaseKeepAlive(new StreamObserver<>() {
      public void onNext(LeaseKeepAliveResponse r) {
        answers.add(r);
      }

      public void onError(Throwable t) {}

      public void onCompleted() {}
    });
    in.onNext(LeaseKeepAliveRequest.newBuilder().setId(lease).build());
    LeaseKeepAliveResponse gone = answers.poll(10, TimeUnit.SECONDS);
    in.onCompleted();
    assertThat(gone.getTtl()).isZero();
    assertThat(gone.getHeader().getRevision()).isPositive();
  }

  @Test
  void value_ofOnePointFiveMiB_roundTrips() {
    byte[] big = new byte[1_572_864];
    new Random(7).nextBytes(big);
    kv.put(PutRequest.newBuilder().setKey(b(p + "big")).setValue(ByteString.copyFrom(big)).build());
    assertThat(get(p + "big").getKvs(0).getValue().toByteArray()).isEqualTo(big);
  }

  @Test
  void prefixListing_tenThousandKeys_pagesWithLimitAndContinuation() {
    for (int batch = 0; batch < 100; batch++) {
      TxnRequest.Builder t = TxnRequest.newBuilder();
      for (int i = 0; i < 100; i++) {
        t.addSuccess(putOp(String.format("%sk/%05d", p, batch * 100 + i), "v"));
      }
      kv.txn(t.build());
    }
    put(p + "l", "outside the prefix");
    RangeRequest first = RangeRequest.newBuilder().setKey(b(p + "k/")).setPrefix(true).setLimit(1000).build();
    RangeResponse r = kv.range(first);
    assertThat(r.getCount()).isEqualTo(10_000);
    assertThat(r.getMore()).isTrue();
    assertThat(r.getKvsCount()).isEqualTo(1000);
    // continue after the last key ("key\0"), pinned to the first page's revision
    List<String> keys = new ArrayList<>();
    long at = r.getHeader().getRevision();
    put(p + "k/00000a", "written after the first page: not in the snapshot");
    RangeRequest page = first.toBuilder().setRevision(at).build();
    int pages = 0;
    while (true) {
      RangeResponse got = kv.range(page);
      got.getKvsList().forEach(x -> keys.add(x.getKey().toStringUtf8()));
      pages++;
      if (!got.getMore()) {
        break;
      }
      ByteString last = got.getKvs(got.getKvsCount() - 1).getKey();
      page = page.toBuilder().setPrefix(false).setKey(last.concat(ByteString.copyFrom(new byte[] {0})))
          .setRangeEnd(b(p + "k0")).build();
    }
    assertThat(pages).isEqualTo(10);
    assertThat(keys).hasSize(10_000).isSorted().doesNotHaveDuplicates();
    assertThat(kv.range(first.toBuilder().setCountOnly(true).build()).getKvsCount()).isZero();
  }

  @Test
  void everyResponse_carriesCurrentRevision() {
    long rev = put(p + "h", "1");
    assertThat(rev).isPositive();
    assertThat(get(p + "h").getHeader().getRevision()).isGreaterThanOrEqualTo(rev);
    assertThat(kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(b(p + "h")).build()).getHeader().getRevision())
        .isGreaterThan(rev);
    assertThat(kv.leaseGrant(LeaseGrantRequest.newBuilder().setTtl(5).build()).getHeader().getRevision()).isPositive();
  }
}
