package dev.cnm.store.conformance;

import static dev.cnm.store.conformance.Grpc.assertFails;
import static dev.cnm.store.conformance.Grpc.b;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.cnm.api.v1.Compare;
import dev.cnm.api.v1.CompactRequest;
import dev.cnm.api.v1.DeleteRangeRequest;
import dev.cnm.api.v1.LeaseRevokeRequest;
import dev.cnm.api.v1.PutRequest;
import dev.cnm.api.v1.RangeRequest;
import dev.cnm.api.v1.RequestOp;
import dev.cnm.api.v1.TxnRequest;
import dev.cnm.api.v1.WatchRequest;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

/**
 * The "Bad input" list of the store's contract: each bad request is refused with the right code,
 * a message naming the field, and nothing written (the revision does not move).
 */
abstract class BadInputConformanceSuite extends StoreConformanceSuite {

  private void assertNothingWritten(long before) {
    assertThat(revision()).as("nothing written").isEqualTo(before);
    assertThat(kv.range(RangeRequest.newBuilder().setKey(b(p)).setPrefix(true).build()).getCount()).isZero();
  }

  @Test
  void emptyKey_everyCall_invalidArgumentNamingKey() throws Exception {
    long before = revision();
    assertFails(() -> kv.put(PutRequest.newBuilder().setValue(b("v")).build()), Status.Code.INVALID_ARGUMENT, "key");
    assertFails(() -> kv.range(RangeRequest.getDefaultInstance()), Status.Code.INVALID_ARGUMENT, "key");
    assertFails(() -> kv.deleteRange(DeleteRangeRequest.getDefaultInstance()), Status.Code.INVALID_ARGUMENT, "key");
    assertFails(() -> kv.txn(TxnRequest.newBuilder().addSuccess(putOp("", "v")).build()),
        Status.Code.INVALID_ARGUMENT, "success[0].request_put.key");
    try (Watching w = Watching.start(store, WatchRequest.getDefaultInstance())) {
      assertFails(() -> {
        throw w.error();
      }, Status.Code.INVALID_ARGUMENT, "key");
    }
    assertNothingWritten(before);
  }

  @Test
  void keyOver4KiB_put_invalidArgumentNamingKey() {
    long before = revision();
    String longKey = p + "k".repeat(4097 - p.length());
    assertFails(() -> kv.put(PutRequest.newBuilder().setKey(b(longKey)).build()), Status.Code.INVALID_ARGUMENT, "key");
    assertNothingWritten(before);
    kv.put(PutRequest.newBuilder().setKey(b(longKey.substring(1))).build());
    assertThat(get(longKey.substring(1)).getKvsCount()).isEqualTo(1);
  }

  @Test
  void negativeRevision_rangeAndWatch_invalidArgumentNamingField() throws Exception {
    long before = revision();
    assertFails(() -> kv.range(RangeRequest.newBuilder().setKey(b(p + "a")).setRevision(-1).build()),
        Status.Code.INVALID_ARGUMENT, "revision");
    assertFails(() -> kv.range(RangeRequest.newBuilder().setKey(b(p + "a")).setLimit(-5).build()),
        Status.Code.INVALID_ARGUMENT, "limit");
    try (Watching w = Watching.start(store, WatchRequest.newBuilder().setKey(b(p)).setStartRevision(-3).build())) {
      assertFails(() -> {
        throw w.error();
      }, Status.Code.INVALID_ARGUMENT, "start_revision");
    }
    assertFails(() -> kv.compact(CompactRequest.newBuilder().setRevision(-1).build()),
        Status.Code.INVALID_ARGUMENT, "revision");
    assertNothingWritten(before);
  }

  @Test
  void futureRevision_rangeAndCompact_outOfRangeNamingRevision() {
    long before = revision();
    assertFails(() -> kv.range(RangeRequest.newBuilder().setKey(b(p + "a")).setRevision(before + 1000).build()),
        Status.Code.OUT_OF_RANGE, "revision");
    assertFails(() -> kv.compact(CompactRequest.newBuilder().setRevision(before + 1000).build()),
        Status.Code.OUT_OF_RANGE, "revision");
    assertNothingWritten(before);
  }

  @Test
  void unknownLease_putAndRevoke_notFoundNamingLease() {
    long before = revision();
    assertFails(() -> kv.put(PutRequest.newBuilder().setKey(b(p + "a")).setLease(424242424242L).build()),
        Status.Code.NOT_FOUND, "lease");
    assertFails(() -> kv.leaseRevoke(LeaseRevokeRequest.newBuilder().setId(424242424242L).build()),
        Status.Code.NOT_FOUND, "lease");
    assertNothingWritten(before);
  }

  @Test
  void valueOverOnePointFiveMiB_put_invalidArgumentNamingValue() {
    long before = revision();
    ByteString tooBig = ByteString.copyFrom(new byte[1_572_865]);
    assertFails(() -> kv.put(PutRequest.newBuilder().setKey(b(p + "big")).setValue(tooBig).build()),
        Status.Code.INVALID_ARGUMENT, "value");
    assertFails(() -> kv.txn(TxnRequest.newBuilder().addSuccess(putOp(p + "ok", "x"))
            .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b(p + "big")).setValue(tooBig)))
            .build()),
        Status.Code.INVALID_ARGUMENT, "success[1].request_put.value");
    assertNothingWritten(before);
  }

  @Test
  void txnOver128Ops_invalidArgumentAndNothingWritten() {
    long before = revision();
    TxnRequest.Builder t = TxnRequest.newBuilder();
    for (int i = 0; i < 129; i++) {
      t.addSuccess(putOp(p + i, "v"));
    }
    assertFails(() -> kv.txn(t.build()), Status.Code.INVALID_ARGUMENT, "compare+success+failure");
    assertNothingWritten(before);
    assertThat(kv.txn(t.removeSuccess(128).build()).getSucceeded()).isTrue();
    assertThat(kv.range(RangeRequest.newBuilder().setKey(b(p)).setPrefix(true).build()).getCount()).isEqualTo(128);
  }

  @Test
  void malformedCompare_invalidArgumentNamingCompareField() {
    long before = revision();
    Compare good = absent(p + "a");
    assertFails(() -> kv.txn(TxnRequest.newBuilder().addCompare(good.toBuilder().setTarget(Compare.Target.TARGET_UNSPECIFIED))
        .addSuccess(putOp(p + "a", "v")).build()), Status.Code.INVALID_ARGUMENT, "compare[0].target");
    assertFails(() -> kv.txn(TxnRequest.newBuilder().addCompare(good).addCompare(good.toBuilder()
            .setResult(Compare.Result.RESULT_UNSPECIFIED)).addSuccess(putOp(p + "a", "v")).build()),
        Status.Code.INVALID_ARGUMENT, "compare[1].result");
    assertFails(() -> kv.txn(TxnRequest.newBuilder().addCompare(good.toBuilder().setValue(b("x")))
        .addSuccess(putOp(p + "a", "v")).build()), Status.Code.INVALID_ARGUMENT, "compare[0].target_union");
    assertFails(() -> kv.txn(TxnRequest.newBuilder().addCompare(good.toBuilder().setKey(ByteString.EMPTY))
        .addSuccess(putOp(p + "a", "v")).build()), Status.Code.INVALID_ARGUMENT, "compare[0].key");
    assertFails(() -> kv.txn(TxnRequest.newBuilder().addCompare(good).addSuccess(RequestOp.getDefaultInstance()).build()),
        Status.Code.INVALID_ARGUMENT, "success[0].request");
    assertNothingWritten(before);
  }
}
