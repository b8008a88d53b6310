package dev.cnm.store.client;

import com.google.protobuf.ByteString;
import dev.cnm.api.v1.ErrorReason;
import dev.cnm.api.v1.Event;
import dev.cnm.api.v1.StoreGrpc;
import dev.cnm.api.v1.WatchRequest;
import dev.cnm.api.v1.WatchResponse;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A prefix watch that survives reconnects: it asks the store for the start revision
 * (progress_notify), remembers the last revision delivered, and after a broken stream opens a
 * new one at that revision + 1, so the listener sees every revision once, in order, unless the
 * history it needs was compacted (then {@link WatchListener#onError} with OUT_OF_RANGE).
 * Close it to stop.
 */
public final class StoreWatch implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StoreWatch.class);
  private static final ScheduledExecutorService RETRY = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "cnm-store-watch-retry");
    t.setDaemon(true);
    return t;
  });

  private final StoreGrpc.StoreStub stub;
  private final ByteString prefix;
  private final WatchListener listener;
  private final Object lock = new Object();
  // guarded by lock
  private long nextRevision;
  private Context.CancellableContext current;
  private boolean closed;
  private long backoffMillis = 50;

  private StoreWatch(Channel channel, ByteString prefix, long fromRevision, WatchListener listener) {
    this.stub = StoreGrpc.newStub(channel);
    this.prefix = prefix;
    this.nextRevision = fromRevision;
    this.listener = listener;
  }

  static StoreWatch start(Channel channel, ByteString prefix, long fromRevision, WatchListener listener) {
    StoreWatch w = new StoreWatch(channel, prefix, fromRevision, listener);
    w.open();
    return w;
  }

  /** The revision the watch will resume from after a reconnect (last delivered + 1). */
  public long nextRevision() {
    synchronized (lock) {
      return nextRevision;
    }
  }

  private void open() {
    WatchRequest request;
    Context.CancellableContext ctx;
    synchronized (lock) {
      if (closed) {
        return;
      }
      request = WatchRequest.newBuilder().setKey(prefix).setPrefix(true)
          .setStartRevision(nextRevision).setProgressNotify(true).setPrevKv(true).build();
      ctx = Context.current().withCancellation();
      current = ctx;
    }
    ctx.run(() -> stub.watch(request, new Observer(ctx)));
  }

  private void reconnectLater() {
    long delay;
    synchronized (lock) {
      if (closed) {
        return;
      }
      delay = backoffMillis;
      backoffMillis = Math.min(2_000, backoffMillis * 2);
    }
    RETRY.schedule(this::open, delay, TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    Context.CancellableContext ctx;
    synchronized (lock) {
      closed = true;
      ctx = current;
    }
    if (ctx != null) {
      ctx.cancel(null);
    }
  }

  private final class Observer implements StreamObserver<WatchResponse> {
    private final Context.CancellableContext ctx;

    Observer(Context.CancellableContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public void onNext(WatchResponse r) {
      synchronized (lock) {
        if (closed) {
          return;
        }
        backoffMillis = 50;
        if (nextRevision == 0 && r.getEventsCount() == 0) {
          // the progress notification: the watch starts after this revision
          nextRevision = r.getHeader().getRevision() + 1;
        }
      }
      if (r.getCompactRevision() > 0) {
        finish(new CnmException(ErrorKind.OUT_OF_RANGE, ErrorReason.REVISION_COMPACTED,
            "watch start revision was compacted; oldest available is " + r.getCompactRevision(),
            Map.of("compact_revision", Long.toString(r.getCompactRevision())), null));
        return;
      }
      deliver(r.getEventsList());
    }

    private void deliver(List<Event> events) {
      int i = 0;
      while (i < events.size()) {
        long rev = events.get(i).getKv().getModRevision();
        List<WatchEvent> batch = new ArrayList<>();
        while (i < events.size() && events.get(i).getKv().getModRevision() == rev) {
          batch.add(WatchEvent.of(events.get(i)));
          i++;
        }
        synchronized (lock) {
          if (closed || rev < nextRevision) {
            continue; // already delivered before a reconnect
          }
          nextRevision = rev + 1;
        }
        listener.onEvents(rev, batch);
      }
    }

    @Override
    public void onError(Throwable t) {
      CnmException e = StoreStatus.toCnm(t);
      synchronized (lock) {
        if (closed) {
          return;
        }
      }
      if (e.kind() == ErrorKind.UNAVAILABLE || e.kind() == ErrorKind.INTERNAL
          || e.kind() == ErrorKind.DEADLINE_EXCEEDED) {
        log.debug("store watch on {} broke ({}), resuming", Keys.string(prefix), e.getMessage());
        reconnectLater();
      } else {
        finish(e);
      }
    }

    @Override
    public void onCompleted() {
      reconnectLater();
    }

    private void finish(CnmException e) {
      synchronized (lock) {
        if (closed) {
          return;
        }
        closed = true;
      }
      ctx.cancel(null);
      listener.onError(e);
    }
  }
}
