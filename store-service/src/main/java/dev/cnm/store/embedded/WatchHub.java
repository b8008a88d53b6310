package dev.cnm.store.embedded;

import com.google.common.util.concurrent.MoreExecutors;
import dev.cnm.api.v1.Event;
import dev.cnm.api.v1.ResponseHeader;
import dev.cnm.api.v1.WatchRequest;
import dev.cnm.api.v1.WatchResponse;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.store.backend.WatchHandle;
import dev.cnm.store.backend.WatchSink;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans committed events out to watchers. A new watcher is registered at the last published
 * revision R (under the same lock publish takes), reads revisions [start, R] from the revision
 * log, then gets live batches with revisions > R: nothing is missed or repeated. Each watcher
 * delivers on its own sequential executor, so a slow watcher never blocks the writer.
 */
final class WatchHub implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WatchHub.class);

  /** Reads the history a new watcher needs: revisions [from, to] of its range. */
  interface History {
    List<Event> read(KeyRange range, long from, long to, boolean prevKv);
  }

  private final Object lock = new Object();
  private final List<Watcher> watchers = new CopyOnWriteArrayList<>();
  private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "cnm-store-watch");
    t.setDaemon(true);
    return t;
  });
  private final long clusterId;
  private final History history;
  // guarded by lock
  private long lastPublished;

  WatchHub(long clusterId, long revision, History history) {
    this.clusterId = clusterId;
    this.lastPublished = revision;
    this.history = history;
  }

  /** Called by the writer after a batch committed, with its events per revision. */
  void publish(List<List<Event>> revisions) {
    if (revisions.isEmpty()) {
      return;
    }
    synchronized (lock) {
      List<Event> last = revisions.get(revisions.size() - 1);
      lastPublished = last.get(0).getKv().getModRevision();
      for (Watcher w : watchers) {
        w.offer(revisions);
      }
    }
  }

  WatchHandle watch(WatchRequest request, WatchSink sink) {
    Watcher w;
    synchronized (lock) {
      long registeredAt = lastPublished;
      long start = request.getStartRevision() == 0 ? registeredAt + 1 : request.getStartRevision();
      w = new Watcher(request, sink, start, registeredAt, MoreExecutors.newSequentialExecutor(pool));
      watchers.add(w);
    }
    w.catchUp();
    return () -> {
      w.closed = true;
      watchers.remove(w);
    };
  }

  private ResponseHeader header(long revision) {
    return ResponseHeader.newBuilder().setRevision(revision).setClusterId(clusterId).build();
  }

  @Override
  public void close() {
    watchers.clear();
    pool.shutdownNow();
  }

  private final class Watcher {
    private final WatchRequest request;
    private final WatchSink sink;
    private final KeyRange range;
    private final long start;
    private final long registeredAt;
    private final Executor executor;
    private volatile boolean closed;

    Watcher(WatchRequest request, WatchSink sink, long start, long registeredAt, Executor executor) {
      this.request = request;
      this.sink = sink;
      this.range = KeyRange.of(request.getKey(), request.getRangeEnd());
      this.start = start;
      this.registeredAt = registeredAt;
      this.executor = executor;
    }

    void catchUp() {
      executor.execute(() -> {
        if (request.getProgressNotify()) {
          sink.onResponse(WatchResponse.newBuilder().setHeader(header(registeredAt)).build());
        }
        if (start > registeredAt) {
          return;
        }
        try {
          List<Event> past = history.read(range, start, registeredAt, request.getPrevKv());
          sendGrouped(past);
        } catch (CnmException e) {
          stop(e);
        } catch (RuntimeException e) {
          log.error("watch catch-up failed", e);
          stop(CnmException.unavailable("watch history read failed: " + e.getMessage(), e));
        }
      });
    }

    void offer(List<List<Event>> revisions) {
      // checked on the writer's thread: waking the watcher's executor costs more than the check,
      // and most batches touch none of most watchers' keys
      if (!concerns(revisions)) {
        return;
      }
      executor.execute(() -> {
        for (List<Event> events : revisions) {
          long rev = events.get(0).getKv().getModRevision();
          if (rev > registeredAt && rev >= start) {
            send(rev, filter(events));
          }
        }
      });
    }

    /** Whether any event of {@code revisions} is one this watcher sends. */
    private boolean concerns(List<List<Event>> revisions) {
      for (List<Event> events : revisions) {
        long rev = events.get(0).getKv().getModRevision();
        if (rev > registeredAt && rev >= start) {
          for (Event e : events) {
            if (range.contains(e.getKv().getKey())) {
              return true;
            }
          }
        }
      }
      return false;
    }

    private List<Event> filter(List<Event> events) {
      List<Event> out = new ArrayList<>(events.size());
      for (Event e : events) {
        if (range.contains(e.getKv().getKey())) {
          out.add(request.getPrevKv() || !e.hasPrevKv() ? e : e.toBuilder().clearPrevKv().build());
        }
      }
      return out;
    }

    private void sendGrouped(List<Event> events) {
      int i = 0;
      while (i < events.size()) {
        long rev = events.get(i).getKv().getModRevision();
        int j = i;
        while (j < events.size() && events.get(j).getKv().getModRevision() == rev) {
          j++;
        }
        send(rev, events.subList(i, j));
        i = j;
      }
    }

    private void send(long rev, List<Event> events) {
      if (closed || events.isEmpty()) {
        return;
      }
      try {
        sink.onResponse(WatchResponse.newBuilder().setHeader(header(rev)).addAllEvents(events).build());
      } catch (RuntimeException e) {
        // the stream is gone (client cancelled): stop delivering
        closed = true;
        watchers.remove(this);
      }
    }

    private void stop(CnmException e) {
      if (!closed) {
        closed = true;
        watchers.remove(this);
        sink.onError(e);
      }
    }
  }
}
