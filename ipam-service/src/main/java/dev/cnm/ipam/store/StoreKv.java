package dev.cnm.ipam.store;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import dev.cnm.api.v1.Compare;
import dev.cnm.api.v1.DeleteRangeRequest;
import dev.cnm.api.v1.ErrorReason;
import dev.cnm.api.v1.KeyValue;
import dev.cnm.api.v1.PutRequest;
import dev.cnm.api.v1.RangeRequest;
import dev.cnm.api.v1.RequestOp;
import dev.cnm.api.v1.ResponseOp;
import dev.cnm.api.v1.TxnRequest;
import dev.cnm.api.v1.TxnResponse;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.runtime.grpc.GrpcErrors;
import dev.cnm.store.client.Keys;
import dev.cnm.store.client.StoreClient;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * {@link IpamKv} over the cnm Store service. A guarded write and the read of what it lost to
 * are one Txn (compares, success puts, failure ranges), so a lost race costs one round trip.
 * Uses the store client's raw stub: the typed KvObject API has no failure-branch reads.
 */
public final class StoreKv implements IpamKv {
  private final StoreClient client;

  public StoreKv(StoreClient client) {
    this.client = client;
  }

  @Override
  public Snapshot read(List<String> keys, List<String> prefixes) {
    TxnRequest.Builder req = TxnRequest.newBuilder();
    for (String k : keys) {
      req.addSuccess(range(k, false));
    }
    for (String p : prefixes) {
      req.addSuccess(range(p, true));
    }
    TxnResponse r = call(req.build());
    return new Snapshot(r.getHeader().getRevision(), entries(r));
  }

  @Override
  public TxnResult txn(List<Guard> guards, List<Write> writes, List<String> readOnFailure) {
    return result(call(txnRequest(guards, writes, readOnFailure)));
  }

  @Override
  public CompletableFuture<TxnResult> txnAsync(List<Guard> guards, List<Write> writes, List<String> readOnFailure) {
    CompletableFuture<TxnResult> out = new CompletableFuture<>();
    try {
      Futures.addCallback(client.rawAsync().txn(txnRequest(guards, writes, readOnFailure)),
          new FutureCallback<TxnResponse>() {
            @Override
            public void onSuccess(TxnResponse r) {
              out.complete(result(r));
            }

            @Override
            public void onFailure(Throwable t) {
              out.completeExceptionally(t instanceof StatusRuntimeException e ? storeError(e) : t);
            }
          }, MoreExecutors.directExecutor());
    } catch (RuntimeException e) {
      out.completeExceptionally(e);
    }
    return out;
  }

  private static TxnRequest txnRequest(List<Guard> guards, List<Write> writes, List<String> readOnFailure) {
    TxnRequest.Builder req = TxnRequest.newBuilder();
    for (Guard g : guards) {
      req.addCompare(Compare.newBuilder().setKey(Keys.bytes(g.key())).setTarget(Compare.Target.MOD_REVISION)
          .setResult(Compare.Result.EQUAL).setModRevision(g.modRevision()));
    }
    for (Write w : writes) {
      if (w.value() != null) {
        req.addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder()
            .setKey(Keys.bytes(w.key())).setValue(ByteString.copyFrom(w.value()))));
      } else {
        DeleteRangeRequest.Builder d = DeleteRangeRequest.newBuilder().setKey(Keys.bytes(w.key()));
        if (w.prefix()) {
          d.setRangeEnd(Keys.prefixEnd(Keys.bytes(w.key())));
        }
        req.addSuccess(RequestOp.newBuilder().setRequestDeleteRange(d));
      }
    }
    for (String k : readOnFailure) {
      req.addFailure(range(k, false));
    }
    return req.build();
  }

  private static TxnResult result(TxnResponse r) {
    return new TxnResult(r.getSucceeded(), r.getHeader().getRevision(), r.getSucceeded() ? Map.of() : entries(r));
  }

  private static RequestOp range(String key, boolean prefix) {
    RangeRequest.Builder b = RangeRequest.newBuilder().setKey(Keys.bytes(key));
    if (prefix) {
      b.setRangeEnd(Keys.prefixEnd(Keys.bytes(key)));
    }
    return RequestOp.newBuilder().setRequestRange(b).build();
  }

  private static Map<String, Entry> entries(TxnResponse r) {
    Map<String, Entry> out = new HashMap<>();
    for (ResponseOp op : r.getResponsesList()) {
      for (KeyValue kv : op.getResponseRange().getKvsList()) {
        String key = kv.getKey().toString(StandardCharsets.UTF_8);
        out.put(key, new Entry(key, kv.getValue().toByteArray(), kv.getModRevision()));
      }
    }
    return out;
  }

  private TxnResponse call(TxnRequest request) {
    try {
      return client.raw().txn(request);
    } catch (StatusRuntimeException e) {
      throw storeError(e);
    }
  }

  /**
   * A failed store call as IPAM's error. The kind comes from the one table
   * ({@link GrpcErrors#fromStatus}); an unreachable or slow store stays UNAVAILABLE or
   * DEADLINE_EXCEEDED (the caller may retry), any other failure is INTERNAL: IPAM built a
   * request the store refused, which is not the caller's fault. The store's own reason and code
   * go into the metadata.
   */
  private static CnmException storeError(StatusRuntimeException e) {
    CnmException store = GrpcErrors.fromStatus(e);
    Status.Code code = e.getStatus().getCode();
    ErrorKind kind = switch (store.kind()) {
      case UNAVAILABLE, DEADLINE_EXCEEDED -> store.kind();
      default -> ErrorKind.INTERNAL;
    };
    ErrorReason reason = switch (kind) {
      case UNAVAILABLE -> ErrorReason.STORE_UNAVAILABLE;
      case DEADLINE_EXCEEDED -> ErrorReason.STORE_DEADLINE_EXCEEDED;
      default -> ErrorReason.STORE_INTERNAL;
    };
    return new CnmException(kind, reason,
        "store: " + (e.getStatus().getDescription() == null ? code.name() : e.getStatus().getDescription()),
        Map.of("store_code", code.name(), "store_reason", store.reason()), e);
  }
}
