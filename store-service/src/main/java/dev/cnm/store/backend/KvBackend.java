package dev.cnm.store.backend;

import dev.cnm.api.v1.CompactRequest;
import dev.cnm.api.v1.CompactResponse;
import dev.cnm.api.v1.DeleteRangeRequest;
import dev.cnm.api.v1.DeleteRangeResponse;
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
import dev.cnm.api.v1.TxnRequest;
import dev.cnm.api.v1.TxnResponse;
import dev.cnm.api.v1.WatchRequest;
import java.util.concurrent.CompletableFuture;

/**
 * What a store backend does: etcd v3's KV, Watch and Lease semantics for the cnm.v1.Store subset.
 * The requests are the API messages, already validated and normalised by the gRPC edge: keys are
 * 1..4096 bytes, {@code prefix} is resolved into {@code range_end}, revisions are >= 0, Txns have
 * at most 128 entries and well-formed compares. Backends report domain errors by completing the
 * future exceptionally with a {@link dev.cnm.runtime.errors.CnmException} (future or compacted
 * revision: OUT_OF_RANGE; unknown lease: NOT_FOUND; unreachable: UNAVAILABLE). Every response
 * carries {@code header.revision}.
 */
public interface KvBackend extends AutoCloseable {
  CompletableFuture<RangeResponse> range(RangeRequest request);

  CompletableFuture<PutResponse> put(PutRequest request);

  CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest request);

  CompletableFuture<TxnResponse> txn(TxnRequest request);

  CompletableFuture<CompactResponse> compact(CompactRequest request);

  /**
   * Starts a watch. The sink gets a header-only response first when {@code progress_notify} is
   * set, then the events of each revision in order; it is called by one thread at a time.
   */
  WatchHandle watch(WatchRequest request, WatchSink sink);

  CompletableFuture<LeaseGrantResponse> leaseGrant(LeaseGrantRequest request);

  CompletableFuture<LeaseRevokeResponse> leaseRevoke(LeaseRevokeRequest request);

  /** Renews one lease; ttl 0 in the response when it does not exist. */
  CompletableFuture<LeaseKeepAliveResponse> leaseKeepAlive(LeaseKeepAliveRequest request);

  CompletableFuture<LeaseTimeToLiveResponse> leaseTimeToLive(LeaseTimeToLiveRequest request);

  /** A short name for logs and metrics: "embedded" or "etcd". */
  String name();

  @Override
  void close();
}
