package dev.cnm.controller.session;

import com.google.protobuf.Int64Value;
import dev.cnm.controller.domain.repository.StoreKeys;
import dev.cnm.store.client.StoreClient;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The holding replica's half of a cross-replica Join: after a node acknowledges a desired state,
 * records under /cnm/v1/nodeacks/NODE the store revision that state covers, attached to the
 * session's lease (so the record goes with the session). Writes happen on one background thread
 * and coalesce per node, so an ack never waits for the store and a burst of acks costs one
 * write per node; a record never goes backwards within one lease. A write waits a short window
 * ({@link #COALESCE}) for the acks behind it: every ack would otherwise cost a durable store
 * commit of its own (three per container attached and detached one by one, a quarter of all
 * commits), though only a Join on another replica ever reads the record; such a Join waits at
 * most that window longer.
 */
final class NodeAckRecords implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeAckRecords.class);

  static final java.time.Duration COALESCE = java.time.Duration.ofMillis(10);

  private record Record(long revision, long lease) {}

  private final StoreClient store;
  private final ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "cnm-node-acks");
    t.setDaemon(true);
    return t;
  });
  // guarded by this
  private final Map<String, Record> pending = new LinkedHashMap<>();
  private final Map<String, Record> written = new HashMap<>();
  private boolean draining;
  private boolean closed;

  NodeAckRecords(StoreClient store) {
    this.store = store;
  }

  /** The node acknowledged a state covering {@code revision}, on the session holding {@code lease}. */
  synchronized void acked(String node, long revision, long lease) {
    if (closed || revision <= 0) {
      return;
    }
    Record have = pending.getOrDefault(node, written.get(node));
    if (have != null && have.lease() == lease && have.revision() >= revision) {
      return;
    }
    pending.put(node, new Record(revision, lease));
    if (!draining) {
      draining = true;
      writer.schedule(this::drain, COALESCE.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  private void drain() {
    while (true) {
      Map<String, Record> batch;
      synchronized (this) {
        if (pending.isEmpty() || closed) {
          draining = false;
          return;
        }
        batch = new LinkedHashMap<>(pending);
        pending.clear();
      }
      for (Map.Entry<String, Record> e : batch.entrySet()) {
        Record r = e.getValue();
        try {
          store.put(StoreKeys.nodeAck(e.getKey()), Int64Value.of(r.revision()), r.lease());
          synchronized (this) {
            written.put(e.getKey(), r);
          }
        } catch (RuntimeException ex) {
          // the next ack writes again; a replica waiting meanwhile times out as it would without us
          LOG.warn("recording the applied revision of node " + e.getKey() + " failed: " + ex.getMessage());
        }
      }
    }
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      pending.clear();
    }
    writer.shutdownNow();
  }
}
