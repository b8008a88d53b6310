package dev.cnm.store.grpc;

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
import dev.cnm.api.v1.StoreGrpc;
import dev.cnm.api.v1.TxnRequest;
import dev.cnm.api.v1.TxnResponse;
import dev.cnm.api.v1.WatchRequest;
import dev.cnm.api.v1.WatchResponse;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.store.backend.KvBackend;
import dev.cnm.store.backend.WatchHandle;
import dev.cnm.store.backend.WatchSink;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * cnm.v1.Store over a {@link KvBackend}, kept thin: validate, call the backend, map errors
 * through {@link StoreErrors}. A backend that has not answered shortly before the call's
 * deadline (or {@code defaultTimeout} without one) answers UNAVAILABLE, so a client never
 * waits past its deadline on an unreachable etcd.
 */
public final class StoreGrpcService extends StoreGrpc.StoreImplBase {
  private final KvBackend backend;
  private final Duration defaultTimeout;

  public StoreGrpcService(KvBackend backend) {
    this(backend, Duration.ofSeconds(10));
  }

  public StoreGrpcService(KvBackend backend, Duration defaultTimeout) {
    this.backend = backend;
    this.defaultTimeout = defaultTimeout;
  }

  @Override
  public void range(RangeRequest request, StreamObserver<RangeResponse> out) {
    unary(() -> backend.range(RequestValidator.range(request, "")), out);
  }

  @Override
  public void put(PutRequest request, StreamObserver<PutResponse> out) {
    unary(() -> backend.put(RequestValidator.put(request, "")), out);
  }

  @Override
  public void deleteRange(DeleteRangeRequest request, StreamObserver<DeleteRangeResponse> out) {
    unary(() -> backend.deleteRange(RequestValidator.deleteRange(request, "")), out);
  }

  @Override
  public void txn(TxnRequest request, StreamObserver<TxnResponse> out) {
    unary(() -> backend.txn(RequestValidator.txn(request)), out);
  }

  @Override
  public void compact(CompactRequest request, StreamObserver<CompactResponse> out) {
    unary(() -> backend.compact(RequestValidator.compact(request)), out);
  }

  @Override
  public void leaseGrant(LeaseGrantRequest request, StreamObserver<LeaseGrantResponse> out) {
    unary(() -> backend.leaseGrant(RequestValidator.leaseGrant(request)), out);
  }

  @Override
  public void leaseRevoke(LeaseRevokeRequest request, StreamObserver<LeaseRevokeResponse> out) {
    unary(() -> backend.leaseRevoke(request), out);
  }

  @Override
  public void leaseTimeToLive(LeaseTimeToLiveRequest request, StreamObserver<LeaseTimeToLiveResponse> out) {
    unary(() -> backend.leaseTimeToLive(request), out);
  }

  @Override
  public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(StreamObserver<LeaseKeepAliveResponse> out) {
    Object lock = new Object();
    return new StreamObserver<>() {
      @Override
      public void onNext(LeaseKeepAliveRequest request) {
        timed(backend.leaseKeepAlive(request)).whenComplete((r, e) -> {
          synchronized (lock) {
            if (e == null) {
              out.onNext(r);
            } else {
              out.onError(StoreErrors.toStatus(e));
            }
          }
        });
      }

      @Override
      public void onError(Throwable t) {
        // the client went away; nothing to clean up
      }

      @Override
      public void onCompleted() {
        synchronized (lock) {
          out.onCompleted();
        }
      }
    };
  }

  @Override
  public void watch(WatchRequest request, StreamObserver<WatchResponse> out) {
    ServerCallStreamObserver<WatchResponse> call = (ServerCallStreamObserver<WatchResponse>) out;
    WatchRequest valid;
    try {
      valid = RequestValidator.watch(request);
    } catch (CnmException e) {
      out.onError(StoreErrors.toStatus(e));
      return;
    }
    Object lock = new Object();
    WatchHandle handle = backend.watch(valid, new WatchSink() {
      @Override
      public void onResponse(WatchResponse response) {
        synchronized (lock) {
          if (!call.isCancelled()) {
            out.onNext(response);
          }
        }
      }

      @Override
      public void onError(CnmException error) {
        synchronized (lock) {
          if (call.isCancelled()) {
            return;
          }
          String compact = error.metadata().get("compact_revision");
          if (compact != null) {
            out.onNext(WatchResponse.newBuilder().setCompactRevision(Long.parseLong(compact)).build());
          }
          out.onError(StoreErrors.toStatus(error));
        }
      }
    });
    call.setOnCancelHandler(handle::close);
    if (call.isCancelled()) {
      handle.close();
    }
  }

  private <R> void unary(Supplier<CompletableFuture<R>> call, StreamObserver<R> out) {
    CompletableFuture<R> future;
    try {
      future = call.get();
    } catch (RuntimeException e) {
      out.onError(StoreErrors.toStatus(e));
      return;
    }
    timed(future).whenComplete((r, e) -> {
      if (e != null) {
        out.onError(StoreErrors.toStatus(e));
      } else {
        out.onNext(r);
        out.onCompleted();
      }
    });
  }

  /** The backend's answer, or a TimeoutException (→ UNAVAILABLE) just before the call's deadline. */
  private <R> CompletableFuture<R> timed(CompletableFuture<R> future) {
    Deadline deadline = Context.current().getDeadline();
    long millis = defaultTimeout.toMillis();
    if (deadline != null) {
      long left = deadline.timeRemaining(TimeUnit.MILLISECONDS);
      // answer a little before the deadline so the client sees UNAVAILABLE, not DEADLINE_EXCEEDED
      // (within a CallTimeouts tick)
      millis = Math.max(1, Math.min(millis, left - Math.max(20, left / 10) - CallTimeouts.TICK_MILLIS));
    }
    return CallTimeouts.SHARED.limit(future, millis);
  }

}
