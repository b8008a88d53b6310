package dev.cnm.ipam.service;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.cnm.api.v1.ErrorReason;
import dev.cnm.ipam.domain.Block;
import dev.cnm.ipam.domain.OrdinalMap;
import dev.cnm.ipam.store.BlockCodec;
import dev.cnm.ipam.store.IpamKv;
import dev.cnm.ipam.store.IpamKeys;
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
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The bitmap of one pool (or id set) in this replica, kept in memory and persisted through
 * pipelined group commit: requests queue up; one drain at a time applies a batch of them to
 * the cached bitmap and sends the changed blocks as ONE transaction guarded by the revisions
 * they were read at (and by the pool key's revision, so a pool being released or changed
 * cannot get new allocations). While that transaction is in flight the drain goes on: the
 * next requests form the next batch on other blocks (its blocks are busy until it finished),
 * so up to {@code maxInFlight} (IpamConfig#txnsInFlight) transactions per pool are in flight
 * and the store can merge their commits. Results are handed out only after their transaction committed, so an
 * allocation is durable before anyone sees it. A lost race (another replica wrote a block)
 * rolls that batch's blocks back, refreshes them from the failed transaction's reads, moves
 * this replica's search start to a random block, and queues the batch's requests again.
 *
 * <p>All bitmap state is confined to the draining thread (the {@code scheduled} flag admits
 * one); finished transactions come back to it through {@code finished}.
 */
final class PoolWorker {
  /** Blocks one transaction may write: 1 + 2×40 compares/puts/reads stay under the store's 128. */
  static final int MAX_BLOCKS_PER_TXN = 40;
  private static final int MAX_OPS_PER_BATCH = 512;

  private static final int MAX_ATTEMPTS = 64;

  private final IpamKv kv;
  private final String guardKey;
  private final String blocksPrefix;
  private final OrdinalMap map;
  private final Executor executor;
  /** Transactions this worker keeps in flight at once (on disjoint blocks). */
  private final int maxInFlight;
  private final ConcurrentLinkedQueue<WorkerOp> queue = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Commit> finished = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final IpamMetrics metrics;

  // confined to the draining thread
  /** Ops taken from the queue but not yet in a transaction, in arrival order. */
  private final ArrayDeque<WorkerOp> pending = new ArrayDeque<>();
  /** Blocks written by transactions in flight (the map skips them). */
  private final Set<Long> busy = new HashSet<>();
  private int inFlight;
  /** Ops in the last transaction sent. */
  private int lastBatchSize;
  /** The blocks the batch being applied changed, as they were before it. */
  private Map<Long, Block> snapshots = new HashMap<>();
  private PoolValue record;
  private long recordRevision;
  private boolean loaded;
  /** Allocated ordinals as of the last commit or reload (read by the utilisation gauge). */
  private volatile long allocated;

  /** One batch's transaction: its ops, the blocks it writes as they were before, its outcome. */
  private static final class Commit {
    final List<WorkerOp> ops;
    final Map<Long, Block> before;
    IpamKv.TxnResult result;
    CnmException error;

    Commit(List<WorkerOp> ops, Map<Long, Block> before) {
      this.ops = ops;
      this.before = before;
    }
  }

  /**
   * @param guardKey the pool key every write is guarded by, or null (id sets)
   */
  PoolWorker(IpamKv kv, String guardKey, String blocksPrefix, OrdinalMap map, Executor executor, int maxInFlight,
      IpamMetrics metrics) {
    this.kv = kv;
    this.maxInFlight = maxInFlight;
    this.guardKey = guardKey;
    this.blocksPrefix = blocksPrefix;
    this.map = map;
    this.executor = executor;
    this.metrics = metrics;
    map.listener(b -> snapshots.computeIfAbsent(b.index(), i -> b.copy()));
    map.busy(busy);
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
    schedule();
    return op.future;
  }

  private void schedule() {
    if (scheduled.compareAndSet(false, true)) {
      executor.execute(this::drain);
    }
  }

  private void drain() {
    while (true) {
      boolean worked = false;
      Commit c;
      while ((c = finished.poll()) != null) {
        try {
          finish(c);
        } catch (RuntimeException e) {
          // an undecodable value read back after a lost race: start over from a full reload
          loaded = false;
          failAll(c.ops, e instanceof CnmException ce ? ce
              : new CnmException(ErrorKind.INTERNAL, ErrorReason.INTERNAL, e.toString(), Map.of(), e));
        }
        worked = true;
      }
      WorkerOp op;
      while ((op = queue.poll()) != null) {
        pending.add(op);
        worked = true;
      }
      // while a transaction is in flight, the next one goes once it is as large as the last one
      // sent: requests trickling in wait for the commit in flight rather than each costing a
      // transaction of its own (on a busy machine, store transactions run out first), while a
      // steady crowd of clients is split into batches that commit in parallel
      boolean mayStart = inFlight == 0 || (inFlight < maxInFlight && pending.size() >= lastBatchSize);
      if (!pending.isEmpty() && mayStart && startBatch()) {
        worked = true;
      }
      if (!worked) {
        scheduled.set(false);
        // work queued after the last poll but before the flag dropped must not be stranded
        if ((queue.isEmpty() && finished.isEmpty()) || !scheduled.compareAndSet(false, true)) {
          return;
        }
      }
    }
  }

  /**
   * Applies a batch of pending ops and sends its transaction; ops that need a busy block stay
   * pending. Returns false if nothing could be done until a transaction in flight finishes
   * (never when none is in flight).
   */
  private boolean startBatch() {
    List<WorkerOp> batch = new ArrayList<>();
    while (batch.size() < MAX_OPS_PER_BATCH && !pending.isEmpty()) {
      batch.add(pending.poll());
    }
    snapshots = new HashMap<>();
    try {
      boolean fresh = false;
      if (!loaded) {
        if (inFlight > 0) {
          putBack(batch);
          return false;
        }
        reload();
        fresh = true;
      }
      while (true) {
        snapshots = new HashMap<>();
        List<WorkerOp> applied = new ArrayList<>(batch.size());
        List<WorkerOp> later = new ArrayList<>();
        boolean anyStale = false;
        for (WorkerOp op : batch) {
          if (snapshots.size() >= MAX_BLOCKS_PER_TXN) {
            later.add(op);
            continue;
          }
          op.run(this);
          if (op.deferred) {
            later.add(op);
          } else {
            applied.add(op);
            anyStale |= op.stale;
          }
        }
        if (anyStale && !fresh) {
          // a "no" from cached state: believe it only after a reload, which waits for the in-flight
          rollback(snapshots);
          if (inFlight > 0) {
            loaded = false;
            putBack(batch);
            return false;
          }
          reload();
          fresh = true;
          continue;
        }
        if (!snapshots.isEmpty()) {
          send(new Commit(applied, snapshots));
        } else {
          applied.forEach(WorkerOp::complete);
        }
        putBack(later);
        return !applied.isEmpty();
      }
    } catch (CnmException e) {
      rollback(snapshots);
      loaded = false;
      failAll(batch, e);
    } catch (RuntimeException e) {
      rollback(snapshots);
      loaded = false;
      failAll(batch, new CnmException(ErrorKind.INTERNAL, ErrorReason.INTERNAL, e.toString(), Map.of(), e));
    }
    return true;
  }

  /**
   * Sends the batch's blocks in one guarded transaction and marks them busy. With one
   * transaction at a time the draining thread waits for it itself (no hand-off to another
   * thread and back); otherwise the transaction goes out without holding any thread, and its
   * outcome queues up for the next drain (started by the completion if none runs).
   */
  private void send(Commit c) {
    List<IpamKv.Guard> guards = new ArrayList<>(c.before.size() + 1);
    List<IpamKv.Write> writes = new ArrayList<>(c.before.size());
    List<String> reads = new ArrayList<>(c.before.size() + 1);
    if (guardKey != null) {
      guards.add(new IpamKv.Guard(guardKey, recordRevision));
      reads.add(guardKey);
    }
    for (Map.Entry<Long, Block> e : c.before.entrySet()) {
      String key = blocksPrefix + e.getKey();
      guards.add(new IpamKv.Guard(key, e.getValue().revision()));
      writes.add(IpamKv.Write.put(key, BlockCodec.encode(map.existing(e.getKey()))));
      reads.add(key);
    }
    if (maxInFlight == 1) {
      try {
        c.result = kv.txn(guards, writes, reads);
      } catch (RuntimeException e) {
        c.error = asCnm(e);
      }
      finished.add(c);
    } else {
      // completes on the store channel's transport thread: only queue the outcome there
      kv.txnAsync(guards, writes, reads).whenComplete((result, error) -> {
        c.result = result;
        c.error = error == null ? null : asCnm(error instanceof CompletionException ce && ce.getCause() != null
            ? ce.getCause() : error);
        finished.add(c);
        schedule();
      });
    }
    busy.addAll(c.before.keySet());
    inFlight++;
    lastBatchSize = c.ops.size();
  }

  private static CnmException asCnm(Throwable e) {
    return e instanceof CnmException ce ? ce
        : new CnmException(ErrorKind.INTERNAL, ErrorReason.INTERNAL, e.toString(), Map.of(), e);
  }

  /** Takes a finished transaction's outcome: complete its ops, or roll back and retry them. */
  private void finish(Commit c) {
    inFlight--;
    busy.removeAll(c.before.keySet());
    if (c.error != null) {
      rollback(c.before);
      loaded = false;
      failAll(c.ops, c.error);
      return;
    }
    IpamKv.TxnResult r = c.result;
    if (r.succeeded()) {
      long delta = 0;
      for (Map.Entry<Long, Block> e : c.before.entrySet()) {
        Block b = map.existing(e.getKey());
        b.revision(r.revision());
        delta += b.count() - e.getValue().count();
      }
      allocated += delta;
      metrics.committed(c.ops.size());
      c.ops.forEach(WorkerOp::complete);
      return;
    }
    metrics.conflict();
    List<Long> lost = new ArrayList<>(c.before.keySet());
    rollback(c.before);
    if (guardKey != null) {
      setRecord(r.current().get(guardKey));
    }
    for (Long index : lost) {
      load(index, r.current().get(blocksPrefix + index));
    }
    long blocks = (map.last() >>> Block.SHIFT) + 1;
    map.home(ThreadLocalRandom.current().nextLong(blocks));
    List<WorkerOp> retry = new ArrayList<>(c.ops.size());
    for (WorkerOp op : c.ops) {
      if (++op.conflicts >= MAX_ATTEMPTS) {
        op.future.completeExceptionally(new CnmException(ErrorKind.ABORTED, ErrorReason.IPAM_CONTENTION,
            "gave up after " + MAX_ATTEMPTS + " conflicting store writes; retry", Map.of(), null));
      } else {
        retry.add(op);
      }
    }
    putBack(retry);
  }

  /** Puts ops back at the head of the pending ops, in their order. */
  private void putBack(List<WorkerOp> ops) {
    for (int i = ops.size() - 1; i >= 0; i--) {
      pending.addFirst(ops.get(i));
    }
  }

  private void rollback(Map<Long, Block> before) {
    for (Map.Entry<Long, Block> e : before.entrySet()) {
      map.existing(e.getKey()).copyFrom(e.getValue());
    }
    before.clear();
  }

  /** Reads the pool record and every block again, at one revision. */
  private void reload() {
    IpamKv.Snapshot s = kv.read(guardKey == null ? List.of() : List.of(guardKey), List.of(blocksPrefix));
    map.clear();
    if (guardKey != null) {
      setRecord(s.entries().get(guardKey));
    }
    for (IpamKv.Entry e : s.entries().values()) {
      if (e.key().startsWith(blocksPrefix)) {
        load(IpamKeys.blockIndex(e.key()), e);
      }
    }
    long total = 0;
    for (Block b : map.blocks()) {
      total += b.count();
    }
    allocated = total;
    loaded = true;
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
      throw new CnmException(ErrorKind.INTERNAL, ErrorReason.IPAM_CORRUPT_POOL, "undecodable pool " + guardKey, Map.of(), ex);
    }
  }

  private static void failAll(List<WorkerOp> ops, CnmException e) {
    for (WorkerOp op : ops) {
      op.future.completeExceptionally(e);
    }
  }
}
