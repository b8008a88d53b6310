package dev.cnm.store.client;

import dev.cnm.api.v1.LeaseGrantRequest;
import dev.cnm.api.v1.LeaseKeepAliveRequest;
import dev.cnm.api.v1.LeaseKeepAliveResponse;
import dev.cnm.api.v1.LeaseRevokeRequest;
import dev.cnm.api.v1.StoreGrpc;
import dev.cnm.runtime.errors.CnmException;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A granted lease kept alive from this process: a keep-alive every ttl/3 over one
 * LeaseKeepAlive stream (reopened if it breaks). Keys written with {@link #id()} vanish when the
 * lease expires, i.e. when this process stops renewing. {@link #close()} revokes it.
 */
public final class StoreLease implements AutoCloseable {
  private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "cnm-store-lease-keepalive");
    t.setDaemon(true);
    return t;
  });

  private final StoreClient client;
  private final long id;
  private final long ttlSeconds;
  private final Object lock = new Object();
  private volatile Consumer<Long> onLost = id -> {};
  // guarded by lock
  private StreamObserver<LeaseKeepAliveRequest> stream;
  private Context.CancellableContext streamContext;
  private ScheduledFuture<?> task;
  private boolean closed;

  private StoreLease(StoreClient client, long id, long ttlSeconds) {
    this.client = client;
    this.id = id;
    this.ttlSeconds = ttlSeconds;
  }

  static StoreLease grant(StoreClient client, Duration ttl) {
    long seconds = Math.max(1, ttl.toSeconds());
    var r = StoreClient.call(() -> client.raw().leaseGrant(LeaseGrantRequest.newBuilder().setTtl(seconds).build()));
    StoreLease lease = new StoreLease(client, r.getId(), r.getTtl());
    long period = Math.max(200, r.getTtl() * 1000 / 3);
    synchronized (lease.lock) {
      lease.task = TIMER.scheduleAtFixedRate(lease::keepAlive, period, period, TimeUnit.MILLISECONDS);
    }
    return lease;
  }

  /** The lease id, to pass as the lease of a put or create. */
  public long id() {
    return id;
  }

  /** The ttl the store granted, in seconds. */
  public long ttlSeconds() {
    return ttlSeconds;
  }

  /** Called (once, with the lease id) when the store reports that the lease no longer exists. */
  public StoreLease onLost(Consumer<Long> callback) {
    this.onLost = callback;
    return this;
  }

  private void keepAlive() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      if (stream == null) {
        streamContext = Context.current().withCancellation();
        streamContext.run(() -> stream = StoreGrpc.newStub(client.channel()).leaseKeepAlive(new Responses()));
      }
      try {
        stream.onNext(LeaseKeepAliveRequest.newBuilder().setId(id).build());
      } catch (RuntimeException e) {
        dropStream();
      }
    }
  }

  private void dropStream() {
    if (streamContext != null) {
      streamContext.cancel(null);
    }
    stream = null;
    streamContext = null;
  }

  /** Stops the renewals, once: true for the caller that stopped them, false if already stopped. */
  private boolean stop() {
    synchronized (lock) {
      if (closed) {
        return false;
      }
      closed = true;
      task.cancel(false);
      dropStream();
      return true;
    }
  }

  /**
   * Stops renewing without revoking: the lease, and the keys attached to it, go when its ttl runs
   * out (unless another process renews it). For liveness that should survive a quick restart.
   */
  public void abandon() {
    stop();
  }

  /** Stops renewing and revokes the lease (deleting its keys). */
  @Override
  public void close() {
    if (!stop()) {
      return;
    }
    try {
      StoreClient.call(() -> client.raw().leaseRevoke(LeaseRevokeRequest.newBuilder().setId(id).build()));
    } catch (CnmException e) {
      // already expired or the store is gone: the keys go with the lease either way
    }
  }

  private final class Responses implements StreamObserver<LeaseKeepAliveResponse> {
    @Override
    public void onNext(LeaseKeepAliveResponse r) {
      if (r.getTtl() <= 0 && stop()) {
        onLost.accept(id);
      }
    }

    @Override
    public void onError(Throwable t) {
      synchronized (lock) {
        stream = null;
        streamContext = null;
      }
    }

    @Override
    public void onCompleted() {
      onError(null);
    }
  }
}
