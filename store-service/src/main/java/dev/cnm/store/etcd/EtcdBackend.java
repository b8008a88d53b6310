package dev.cnm.store.etcd;

import static dev.cnm.store.etcd.EtcdConvert.bytes;
import static dev.cnm.store.etcd.EtcdConvert.header;
import static dev.cnm.store.etcd.EtcdConvert.kv;

import dev.cnm.api.v1.CompactRequest;
import dev.cnm.api.v1.CompactResponse;
import dev.cnm.api.v1.DeleteRangeRequest;
import dev.cnm.api.v1.DeleteRangeResponse;
import dev.cnm.api.v1.ErrorReason;
import dev.cnm.api.v1.LeaseGrantRequest;
import dev.cnm.api.v1.LeaseGrantResponse;
import dev.cnm.api.v1.LeaseKeepAliveRequest;
import dev.cnm.api.v1.LeaseKeepAliveResponse;
import dev.cnm.api.v1.LeaseRevokeRequest;
import dev.cnm.api.v1.LeaseRevokeResponse;
import dev.cnm.api.v1.LeaseTimeToLiveRequest;
import dev.cnm.api.v1.LeaseTimeToLiveResponse;
import dev.cnm.api.v1.PutRequest;
import dev.cnm.api.v1.PutResponse;
import dev.cnm.api.v1.RangeRequest;
import dev.cnm.api.v1.RangeResponse;
import dev.cnm.api.v1.RequestOp;
import dev.cnm.api.v1.ResponseHeader;
import dev.cnm.api.v1.ResponseOp;
import dev.cnm.api.v1.TxnRequest;
import dev.cnm.api.v1.TxnResponse;
import dev.cnm.api.v1.WatchRequest;
import dev.cnm.runtime.config.TlsFiles;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.store.backend.KvBackend;
import dev.cnm.store.backend.StoreLimits;
import dev.cnm.store.backend.WatchHandle;
import dev.cnm.store.backend.WatchSink;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The etcd backend: every call is one jetcd call against the given endpoints, so this service
 * keeps no state and any number of replicas may serve the same etcd cluster. etcd's revisions,
 * compaction and leases are used as they are.
 */
public final class EtcdBackend implements KvBackend {
  /** While etcd is unreachable, a fresh client is made at most this often. */
  private static final long RECONNECT_NANOS = TimeUnit.SECONDS.toNanos(2);

  private final List<String> endpoints;
  private final TlsFiles tls;
  private final Object lock = new Object();
  private volatile Client client;
  private long lastReconnect = System.nanoTime(); // guarded by lock
  private boolean closed; // guarded by lock

  private EtcdBackend(List<String> endpoints, TlsFiles tls) {
    this.endpoints = List.copyOf(endpoints);
    this.tls = tls;
    this.client = EtcdClients.create(this.endpoints, tls);
  }

  /** Connects to etcd (e.g. "http://127.0.0.1:2379"); calls fail fast while it is unreachable. */
  public static EtcdBackend connect(List<String> endpoints) {
    return connect(endpoints, TlsFiles.NONE);
  }

  /**
   * Connects to etcd over TLS when {@code tls} names files ({@code https://} endpoints): the CA
   * verifies etcd's certificate (which must name the endpoint's host), the certificate and key
   * are presented to an etcd started with {@code --client-cert-auth}. The files are read now,
   * so a missing or malformed one fails here rather than on the first call.
   */
  public static EtcdBackend connect(List<String> endpoints, TlsFiles tls) {
    return new EtcdBackend(endpoints, Objects.requireNonNull(tls, "tls"));
  }

  /**
   * etcd was unreachable: gRPC's reconnect back-off grows to minutes, so after an etcd outage
   * the old channel could stay down long after etcd is back. Replace the client (at most every
   * 2 s) so the next call dials afresh; watches on the old client end UNAVAILABLE and resume.
   */
  private void unreachable() {
    Client old;
    synchronized (lock) {
      long now = System.nanoTime();
      if (closed || now - lastReconnect < RECONNECT_NANOS) {
        return;
      }
      lastReconnect = now;
      old = client;
      client = EtcdClients.create(endpoints, tls);
    }
    CompletableFuture.runAsync(old::close);
  }

  private KV kvClient() {
    return client.getKVClient();
  }

  @Override
  public String name() {
    return "etcd";
  }

  private <T, R> CompletableFuture<R> call(CompletableFuture<T> f, Function<T, R> convert,
      String revisionField, long revision) {
    return f.handle((r, e) -> {
      if (e != null) {
        throw failed(e, revisionField, revision);
      }
      return convert.apply(r);
    });
  }

  private CnmException failed(Throwable e, String revisionField, long revision) {
    CnmException c = EtcdErrors.map(e, revisionField, revision);
    if (c.kind() == dev.cnm.runtime.errors.ErrorKind.UNAVAILABLE) {
      unreachable();
    }
    return c;
  }

  @Override
  public CompletableFuture<RangeResponse> range(RangeRequest r) {
    CompletableFuture<RangeResponse> f = call(kvClient().get(bytes(r.getKey()), EtcdConvert.getOption(r)),
        g -> toRange(g, r.getKeysOnly() || r.getCountOnly()), "revision", r.getRevision());
    return withCompactRevision(f);
  }

  private static RangeResponse toRange(io.etcd.jetcd.kv.GetResponse g, boolean keysOnly) {
    RangeResponse.Builder out = RangeResponse.newBuilder().setHeader(header(g.getHeader()))
        .setMore(g.isMore()).setCount(g.getCount());
    for (io.etcd.jetcd.KeyValue k : g.getKvs()) {
      out.addKvs(kv(k, !keysOnly));
    }
    return out.build();
  }

  /** etcd does not say the compaction point on a compacted Range: learn it as a watch from 1 does. */
  private <R> CompletableFuture<R> withCompactRevision(CompletableFuture<R> f) {
    return f.exceptionallyCompose(e -> {
      CnmException c = EtcdErrors.map(e, "revision", 0);
      if (c.errorReason() != ErrorReason.REVISION_COMPACTED || c.metadata().containsKey("compact_revision")) {
        return CompletableFuture.failedFuture(c);
      }
      return compactRevision().handle((rev, e2) -> {
        throw e2 != null || rev == null ? c : new CnmException(c.kind(), c.errorReason(), c.getMessage() + "; the oldest available is " + rev,
            withCompact(c, rev), c.getCause());
      });
    });
  }

  private static java.util.Map<String, String> withCompact(CnmException c, long rev) {
    java.util.Map<String, String> m = new java.util.HashMap<>(c.metadata());
    m.put("compact_revision", Long.toString(rev));
    return m;
  }

  private CompletableFuture<Long> compactRevision() {
    CompletableFuture<Long> out = new CompletableFuture<>();
    var watcher = client.getWatchClient().watch(ByteSequence.from(new byte[] {0}),
        WatchOption.builder().withRevision(1).build(), new io.etcd.jetcd.Watch.Listener() {
          @Override
          public void onNext(WatchResponse response) {}

          @Override
          public void onError(Throwable t) {
            if (t instanceof io.etcd.jetcd.common.exception.CompactedException c) {
              out.complete(c.getCompactedRevision());
            } else {
              out.completeExceptionally(t);
            }
          }

          @Override
          public void onCompleted() {}
        });
    return out.orTimeout(2, TimeUnit.SECONDS).whenComplete((r, e) -> watcher.close());
  }

  @Override
  public CompletableFuture<PutResponse> put(PutRequest r) {
    return call(kvClient().put(bytes(r.getKey()), bytes(r.getValue()), EtcdConvert.putOption(r)), p -> {
      PutResponse.Builder out = PutResponse.newBuilder().setHeader(header(p.getHeader()));
      if (r.getPrevKv() && p.hasPrevKv()) {
        out.setPrevKv(kv(p.getPrevKv(), true));
      }
      return out.build();
    }, "revision", 0);
  }

  @Override
  public CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest r) {
    return call(kvClient().delete(bytes(r.getKey()), EtcdConvert.deleteOption(r)), d -> toDelete(d, r.getPrevKv()), "revision", 0);
  }

  private static DeleteRangeResponse toDelete(io.etcd.jetcd.kv.DeleteResponse d, boolean prev) {
    DeleteRangeResponse.Builder out = DeleteRangeResponse.newBuilder()
        .setHeader(header(d.getHeader())).setDeleted(d.getDeleted());
    if (prev) {
      d.getPrevKvs().forEach(k -> out.addPrevKvs(kv(k, true)));
    }
    return out.build();
  }

  @Override
  public CompletableFuture<TxnResponse> txn(TxnRequest r) {
    Cmp[] cmps = r.getCompareList().stream().map(EtcdConvert::cmp).toArray(Cmp[]::new);
    CompletableFuture<TxnResponse> f = call(kvClient().txn().If(cmps).Then(ops(r.getSuccessList())).Else(ops(r.getFailureList())).commit(),
        t -> toTxn(t, t.isSucceeded() ? r.getSuccessList() : r.getFailureList()), "revision", 0);
    return withCompactRevision(f);
  }

  private static Op[] ops(List<RequestOp> ops) {
    Op[] out = new Op[ops.size()];
    for (int i = 0; i < out.length; i++) {
      RequestOp op = ops.get(i);
      out[i] = switch (op.getRequestCase()) {
        case REQUEST_RANGE -> Op.get(bytes(op.getRequestRange().getKey()), EtcdConvert.getOption(op.getRequestRange()));
        case REQUEST_PUT -> Op.put(bytes(op.getRequestPut().getKey()), bytes(op.getRequestPut().getValue()),
            EtcdConvert.putOption(op.getRequestPut()));
        case REQUEST_DELETE_RANGE -> Op.delete(bytes(op.getRequestDeleteRange().getKey()),
            EtcdConvert.deleteOption(op.getRequestDeleteRange()));
        default -> throw new IllegalArgumentException("validated before: empty op");
      };
    }
    return out;
  }

  /** jetcd groups a Txn's results by type; put them back in request order. */
  private static TxnResponse toTxn(io.etcd.jetcd.kv.TxnResponse t, List<RequestOp> ran) {
    ResponseHeader header = header(t.getHeader());
    TxnResponse.Builder out = TxnResponse.newBuilder().setHeader(header).setSucceeded(t.isSucceeded());
    int gets = 0;
    int puts = 0;
    int deletes = 0;
    for (RequestOp op : ran) {
      switch (op.getRequestCase()) {
        case REQUEST_RANGE -> {
          RangeRequest rr = op.getRequestRange();
          out.addResponses(ResponseOp.newBuilder().setResponseRange(
              toRange(t.getGetResponses().get(gets++), rr.getKeysOnly() || rr.getCountOnly()).toBuilder().setHeader(header)));
        }
        case REQUEST_PUT -> {
          var p = t.getPutResponses().get(puts++);
          dev.cnm.api.v1.PutResponse.Builder pb = dev.cnm.api.v1.PutResponse.newBuilder().setHeader(header);
          if (op.getRequestPut().getPrevKv() && p.hasPrevKv()) {
            pb.setPrevKv(kv(p.getPrevKv(), true));
          }
          out.addResponses(ResponseOp.newBuilder().setResponsePut(pb));
        }
        case REQUEST_DELETE_RANGE -> out.addResponses(ResponseOp.newBuilder().setResponseDeleteRange(
            toDelete(t.getDeleteResponses().get(deletes++), op.getRequestDeleteRange().getPrevKv()).toBuilder().setHeader(header)));
        default -> throw new IllegalArgumentException("validated before: empty op");
      }
    }
    return out.build();
  }

  @Override
  public CompletableFuture<CompactResponse> compact(CompactRequest r) {
    return call(kvClient().compact(r.getRevision()),
        c -> CompactResponse.newBuilder().setHeader(header(c.getHeader())).build(), "revision", r.getRevision());
  }

  @Override
  public WatchHandle watch(WatchRequest r, WatchSink sink) {
    Client c = client;
    return EtcdWatch.start(c, c.getKVClient(), r, sink);
  }

  @Override
  public CompletableFuture<LeaseGrantResponse> leaseGrant(LeaseGrantRequest r) {
    return call(client.getLeaseClient().grant(r.getTtl()), g -> LeaseGrantResponse.newBuilder()
        .setHeader(header(g.getHeader())).setId(g.getID()).setTtl(g.getTTL()).build(), "revision", 0);
  }

  @Override
  public CompletableFuture<LeaseRevokeResponse> leaseRevoke(LeaseRevokeRequest r) {
    return call(client.getLeaseClient().revoke(r.getId()),
        x -> LeaseRevokeResponse.newBuilder().setHeader(header(x.getHeader())).build(), "revision", 0)
        .exceptionally(e -> {
          CnmException c = EtcdErrors.map(e, "revision", 0);
          throw c.kind() == dev.cnm.runtime.errors.ErrorKind.NOT_FOUND ? StoreLimits.leaseNotFound("id", r.getId()) : c;
        });
  }

  @Override
  public CompletableFuture<LeaseKeepAliveResponse> leaseKeepAlive(LeaseKeepAliveRequest r) {
    return client.getLeaseClient().keepAliveOnce(r.getId()).handle((k, e) -> {
      if (e == null) {
        return CompletableFuture.completedFuture(LeaseKeepAliveResponse.newBuilder()
            .setHeader(header(k.getHeader())).setId(r.getId()).setTtl(k.getTTL()).build());
      }
      CnmException c = failed(e, "revision", 0);
      if (c.kind() != dev.cnm.runtime.errors.ErrorKind.NOT_FOUND) {
        return CompletableFuture.<LeaseKeepAliveResponse>failedFuture(c);
      }
      // the lease is gone: answer ttl 0, with the current revision like every response
      return range(RangeRequest.newBuilder().setKey(com.google.protobuf.ByteString.copyFrom(new byte[] {0}))
          .setCountOnly(true).build()).thenApply(now -> LeaseKeepAliveResponse.newBuilder()
          .setHeader(now.getHeader()).setId(r.getId()).setTtl(0).build());
    }).thenCompose(f -> f);
  }

  @Override
  public CompletableFuture<LeaseTimeToLiveResponse> leaseTimeToLive(LeaseTimeToLiveRequest r) {
    LeaseOption option = r.getKeys() ? LeaseOption.builder().withAttachedKeys().build() : LeaseOption.DEFAULT;
    return call(client.getLeaseClient().timeToLive(r.getId(), option), t -> {
      LeaseTimeToLiveResponse.Builder out = LeaseTimeToLiveResponse.newBuilder().setHeader(header(t.getHeader()))
          .setId(r.getId()).setTtl(t.getTTL()).setGrantedTtl(t.getGrantedTTL());
      if (r.getKeys()) {
        t.getKeys().forEach(k -> out.addKeys(bytes(k)));
      }
      return out.build();
    }, "revision", 0);
  }

  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
    }
    client.close();
  }

}
