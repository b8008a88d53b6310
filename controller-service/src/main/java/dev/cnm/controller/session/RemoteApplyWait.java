package dev.cnm.controller.session;

import dev.cnm.api.v1.ErrorReason;
import com.google.protobuf.Int64Value;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.cnm.controller.domain.repository.StoreKeys;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.store.client.KvObject;
import dev.cnm.store.client.ListPage;
import dev.cnm.store.client.StoreClient;
import dev.cnm.store.client.StoreWatch;
import dev.cnm.store.client.WatchEvent;
import dev.cnm.store.client.WatchListener;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The waiting replica's half of a cross-replica Join: the node's session is held by another
 * replica, which records per node the store revision its last acknowledged state covers
 * ({@link NodeAckRecords}); this class follows those records with one watch of their prefix
 * (started on the first wait) and lets a caller wait until a node's record reaches the revision
 * of the change it committed.
 */
final class RemoteApplyWait implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RemoteApplyWait.class);

  private record Waiter(String node, long revision, CompletableFuture<Void> done) {}

  private final StoreClient store;
  // guarded by this
  private final Map<String, Long> applied = new HashMap<>();
  private final List<Waiter> waiters = new java.util.ArrayList<>();
  private StoreWatch watch;
  private boolean closed;

  RemoteApplyWait(StoreClient store) {
    this.store = store;
  }

  /** Waits until {@code node} applied a state covering {@code revision}; DEADLINE_EXCEEDED after {@code timeout}. */
  void await(String node, long revision, long version, Duration timeout) {
    Waiter w = new Waiter(node, revision, new CompletableFuture<>());
    synchronized (this) {
      if (watch == null && !closed) {
        follow();
      }
      if (applied.getOrDefault(node, 0L) >= revision) {
        return;
      }
      waiters.add(w);
    }
    try {
      w.done().get(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new CnmException(ErrorKind.DEADLINE_EXCEEDED, ErrorReason.AGENT_TIMEOUT, "node \"" + node
          + "\" did not apply version " + version + " within " + timeout.toMillis()
          + " ms (no session with this controller replica)");
    } catch (ExecutionException e) {
      throw CnmException.unavailable("waiting for node " + node + " failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CnmException.unavailable("interrupted while waiting for node " + node, e);
    } finally {
      synchronized (this) {
        waiters.remove(w);
      }
    }
  }

  /** Loads every record and watches for newer ones from the revision of that listing. */
  private synchronized void follow() {
    ListPage<Int64Value> page =
        store.listPage(StoreKeys.NODE_ACKS, Int64Value.parser(), StoreClient.DEFAULT_PAGE, null);
    applied.clear();
    while (true) {
      for (KvObject<Int64Value> kv : page.items()) {
        applied.put(kv.key().substring(StoreKeys.NODE_ACKS.length()), kv.value().getValue());
      }
      if (page.next().isEmpty()) {
        break;
      }
      page = store.listPage(StoreKeys.NODE_ACKS, Int64Value.parser(), StoreClient.DEFAULT_PAGE, page.next().get());
    }
    watch = store.watch(StoreKeys.NODE_ACKS, page.revision() + 1, new Listener());
    wake();
  }

  private synchronized void onEvents(List<WatchEvent> events) {
    for (WatchEvent e : events) {
      String node = e.key().substring(StoreKeys.NODE_ACKS.length());
      if (e.deleted()) {
        applied.remove(node); // the session ended; a new one writes its own record
        continue;
      }
      try {
        applied.put(node, Int64Value.parseFrom(e.kv().getValue()).getValue());
      } catch (InvalidProtocolBufferException ex) {
        LOG.warn("ignoring a malformed record at " + e.key());
      }
    }
    wake();
  }

  private void wake() {
    Iterator<Waiter> it = waiters.iterator();
    while (it.hasNext()) {
      Waiter w = it.next();
      if (applied.getOrDefault(w.node(), 0L) >= w.revision()) {
        w.done().complete(null);
        it.remove();
      }
    }
  }

  private final class Listener implements WatchListener {
    @Override
    public void onEvents(long revision, List<WatchEvent> events) {
      RemoteApplyWait.this.onEvents(events);
    }

    @Override
    public void onError(CnmException error) {
      // the history the watch needed is gone: list again and follow from there
      LOG.warn("watch of node apply records ended (" + error.getMessage() + "); restarting it");
      synchronized (RemoteApplyWait.this) {
        watch = null;
        if (closed || waiters.isEmpty()) {
          return; // the next wait starts over
        }
        try {
          follow();
        } catch (RuntimeException ex) {
          LOG.warn("restarting the watch of node apply records failed: " + ex.getMessage());
        }
      }
    }
  }

  @Override
  public void close() {
    StoreWatch w;
    synchronized (this) {
      closed = true;
      w = watch;
      watch = null;
    }
    if (w != null) {
      w.close();
    }
  }
}
