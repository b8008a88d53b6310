package dev.cnm.ipam.service;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.cnm.ipam.domain.Block;
import dev.cnm.ipam.domain.OrdinalMap;
import dev.cnm.ipam.store.BlockCodec;
import dev.cnm.ipam.store.IpamKv;
import dev.cnm.ipam.store.Keys;
import dev.cnm.ipam.store.pb.PoolValue;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The bitmap of one pool (or id set) in this replica, kept in memory and persisted through
 * group commit: requests queue up; the worker applies a batch of them to the cached bitmap and
 * writes the changed blocks in ONE transaction guarded by the revisions they were read at (and
 * by the pool key's revision, so a pool being released or changed cannot get new
 * allocations). Results are handed out only after that transaction committed, so an
 * allocation is durable before anyone sees it.
 *
 * <p>Up to {@link #MAX_IN_FLIGHT} batches are in flight at once, on disjoint blocks: while a
 * batch's blocks are being written they are "busy" (next-free searches skip them; an op about
 * one of them waits), so a lost race rolls back exactly that batch. A lost race refreshes the
 * batch's blocks from the failed transaction's reads, moves this replica's search start to a
 * random block, and queues the batch's ops again. A "no" (exhausted, not allocated, taken)
 * is believed only when computed right after a full reload with nothing in flight.
 *
 * <p>All state is confined to the draining thread ({@code scheduled} admits one); store calls
 * run on the executor and post their outcome back as completions.
 */
final class PoolWorker {
  /** Blocks one transaction may write: 1 + 2×40 compares/puts/reads stay under the store's 128. */
  static final int MAX_BLOCKS_PER_TXN = 40;
  static final int MAX_IN_FLIGHT = 4;
  private static final int MAX_OPS_PER_BATCH = 512;
  private static final int MAX_ATTEMPTS = 64;

  /** One transaction in flight: its ops and the blocks it writes, as they were before. */
  private record Batch(List<WorkerOp> ops, Map<Long, Block> before) { }

  private final IpamKv kv;
  private final String guardKey;
  private final String blocksPrefix;
  private final OrdinalMap map;
  private final Executor executor;
  private final IpamMetrics metrics;
  private final ConcurrentLinkedQueue<WorkerOp> queue = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Runnable> completions = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();

  // confined to the draining thread
  private final ArrayDeque<WorkerOp> pending = new ArrayDeque<>();
  private final List<Batch> inFlight = new ArrayList<>();
  private final Set<Long> busy = new HashSet<>();
  private Map<Long, Block> snapshots = new HashMap<>();
  private PoolValue record;
  private long recordRevision;
  private boolean loaded;
  private boolean fresh;
  /** Allocated ordinals as of the last commit or reload (read by the utilisation gauge). */
  private volatile long allocated;

  /**
   * @param guardKey the pool key every write is guarded by, or null (id sets)
   */
  PoolWorker(IpamKv kv, String guardKey, String blocksPrefix, OrdinalMap map, Executor executor, IpamMetrics metrics) {
    this.kv = kv;
    this.guardKey = guardKey;
    this.blocksPrefix = blocksPrefix;
    this.map = map;
    this.executor = executor;
    this.metrics = metrics;
    map.listener(b -> snapshots.computeIfAbsent(b.index(), i -> b.copy()));
    map.busy(busy::contains);
  }

  long allocated() {
    return allocated;
  }

  OrdinalMap map() {
    return map;
  }

  /** The pool record as last read (null for id sets or a pool that does not exist). */
  PoolValue record() {
    return record;
  }

  CompletableFuture<Object> submit(WorkerOp op) {
    queue.add(op);
    kick();
    return op.future;
  }

  private void kick() {
    if (scheduled.compareAndSet(false, true)) {
      executor.execute(this::drain);
    }
  }

  private void drain() {
    while (true) {
      try {
        Runnable completion;
        while ((completion = completions.poll()) != null) {
          completion.run();
        }
        if (startBatches()) {
          continue;
        }
      } catch (RuntimeException e) {
        // a bug or a corrupt value: fail what waits rather than strand it, start over clean
        rollback(snapshots);
        loaded = false;
        failAll(new ArrayList<>(pending), e);
        pending.clear();
      }
      scheduled.set(false);
      // only the concurrent queues may be read now: another drain may already be running
      if ((queue.isEmpty() && completions.isEmpty()) || !scheduled.compareAndSet(false, true)) {
        return;
      }
    }
  }

  /** Starts batches while allowed; true if anything happened. Pending ops that cannot start
   *  now always wait for an in-flight batch, whose completion drains again. */
  private boolean startBatches() {
    WorkerOp op;
    while ((op = queue.poll()) != null) {
      pending.add(op);
    }
    boolean progressed = false;
    while (!pending.isEmpty() && inFlight.size() < MAX_IN_FLIGHT) {
      if (!loaded) {
        if (!inFlight.isEmpty()) {
          break;
        }
        try {
          reload();
        } catch (RuntimeException e) {
          failAll(new ArrayList<>(pending), e);
          pending.clear();
          return true;
        }
      }
      if (!applyBatch()) {
        break;
      }
      progressed = true;
    }
    return progressed;
  }

  /** Applies the next batch of pending ops; false if none could be applied now. */
  private boolean applyBatch() {
    boolean authoritative = fresh && inFlight.isEmpty();
    fresh = false;
    snapshots = new HashMap<>();
    List<WorkerOp> applied = new ArrayList<>();
    List<WorkerOp> deferred = new ArrayList<>();
    boolean anyStale = false;
    while (!pending.isEmpty() && applied.size() < MAX_OPS_PER_BATCH && snapshots.size() < MAX_BLOCKS_PER_TXN) {
      WorkerOp op = pending.poll();
      long block = op.block();
      if (block >= 0 && busy.contains(block)) {
        deferred.add(op);
        continue;
      }
      op.run(this);
      anyStale |= op.stale;
      applied.add(op);
    }
    requeue(deferred);
    if (applied.isEmpty()) {
      return false;
    }
    if (anyStale && !authoritative) {
      // a "no" from a cache that may be stale: undo, reload once nothing is in flight, retry
      rollback(snapshots);
      requeue(applied);
      loaded = false;
      return true;
    }
    if (snapshots.isEmpty()) {
      applied.forEach(WorkerOp::complete);
      return true;
    }
    send(new Batch(applied, snapshots));
    snapshots = new HashMap<>();
    return true;
  }

  private void send(Batch batch) {
    List<IpamKv.Guard> guards = new ArrayList<>(batch.before().size() + 1);
    List<IpamKv.Write> writes = new ArrayList<>(batch.before().size());
    List<String> reads = new ArrayList<>(batch.before().size() + 1);
    if (guardKey != null) {
      guards.add(new IpamKv.Guard(guardKey, recordRevision));
      reads.add(guardKey);
    }
    for (Map.Entry<Long, Block> e : batch.before().entrySet()) {
      String key = blocksPrefix + e.getKey();
      guards.add(new IpamKv.Guard(key, e.getValue().revision()));
      writes.add(IpamKv.Write.put(key, BlockCodec.encode(map.existing(e.getKey()))));
      reads.add(key);
    }
    inFlight.add(batch);
    busy.addAll(batch.before().keySet());
    executor.execute(() -> {
      Runnable outcome;
      try {
        IpamKv.TxnResult r = kv.txn(guards, writes, reads);
        outcome = () -> committed(batch, r);
      } catch (RuntimeException e) {
        outcome = () -> failed(batch, e);
      }
      completions.add(outcome);
      kick();
    });
  }

  private void committed(Batch batch, IpamKv.TxnResult r) {
    inFlight.remove(batch);
    busy.removeAll(batch.before().keySet());
    if (r.succeeded()) {
      long delta = 0;
      for (Map.Entry<Long, Block> e : batch.before().entrySet()) {
        Block b = map.existing(e.getKey());
        b.revision(r.revision());
        delta += b.count() - e.getValue().count();
      }
      allocated += delta;
      batch.ops().forEach(WorkerOp::complete);
      metrics.committed(batch.ops().size());
      return;
    }
    metrics.conflict();
    rollback(batch.before());
    if (guardKey != null) {
      setRecord(r.current().get(guardKey));
    }
    for (Long index : batch.before().keySet()) {
      load(index, r.current().get(blocksPrefix + index));
    }
    map.home(ThreadLocalRandom.current().nextLong((map.last() >>> Block.SHIFT) + 1));
    List<WorkerOp> again = new ArrayList<>();
    for (WorkerOp op : batch.ops()) {
      if (++op.attempts >= MAX_ATTEMPTS) {
        op.future.completeExceptionally(new CnmException(ErrorKind.ABORTED, "IPAM_CONTENTION",
            "gave up after " + MAX_ATTEMPTS + " conflicting store writes; retry", Map.of(), null));
      } else {
        again.add(op);
      }
    }
    requeue(again);
  }

  /** The store call failed (outcome unknown): undo, reload before the next batch, fail the ops. */
  private void failed(Batch batch, RuntimeException e) {
    inFlight.remove(batch);
    busy.removeAll(batch.before().keySet());
    rollback(batch.before());
    loaded = false;
    failAll(batch.ops(), e);
  }

  private void requeue(List<WorkerOp> ops) {
    for (int i = ops.size() - 1; i >= 0; i--) {
      pending.addFirst(ops.get(i));
    }
  }

  private void rollback(Map<Long, Block> before) {
    for (Map.Entry<Long, Block> e : before.entrySet()) {
      map.existing(e.getKey()).copyFrom(e.getValue());
    }
  }

  /** Reads the pool record and every block again, at one revision (nothing is in flight). */
  private void reload() {
    IpamKv.Snapshot s = kv.read(guardKey == null ? List.of() : List.of(guardKey), List.of(blocksPrefix));
    map.clear();
    if (guardKey != null) {
      setRecord(s.entries().get(guardKey));
    }
    for (IpamKv.Entry e : s.entries().values()) {
      if (e.key().startsWith(blocksPrefix)) {
        load(Keys.blockIndex(e.key()), e);
      }
    }
    long total = 0;
    for (Block b : map.blocks()) {
      total += b.count();
    }
    allocated = total;
    loaded = true;
    fresh = true;
    metrics.reload();
  }

  private void load(long index, IpamKv.Entry e) {
    Block b = map.blockAt(index);
    if (e == null) {
      b.reset();
    } else {
      BlockCodec.decode(e.value(), b);
      b.revision(e.modRevision());
    }
  }

  private void setRecord(IpamKv.Entry e) {
    try {
      record = e == null ? null : PoolValue.parseFrom(e.value());
      recordRevision = e == null ? 0 : e.modRevision();
    } catch (InvalidProtocolBufferException ex) {
      throw new CnmException(ErrorKind.INTERNAL, "IPAM_CORRUPT_POOL", "undecodable pool " + guardKey, Map.of(), ex);
    }
  }

  private static void failAll(List<WorkerOp> ops, RuntimeException e) {
    CnmException error = e instanceof CnmException c ? c
        : new CnmException(ErrorKind.INTERNAL, "INTERNAL", e.toString(), Map.of(), e);
    for (WorkerOp op : ops) {
      op.future.completeExceptionally(error);
    }
  }
}
