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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The bitmap of one pool (or id set) in this replica, kept in memory and persisted through
 * group commit: requests queue up; one drain at a time applies a batch of them to the cached
 * bitmap and writes the changed blocks in ONE transaction guarded by the revisions they were
 * read at (and by the pool key's revision, so a pool being released or changed cannot get new
 * allocations). Results are handed out only after that transaction committed, so an
 * allocation is durable before anyone sees it. A lost race (another replica wrote a block)
 * rolls the batch back, refreshes the blocks from the failed transaction's reads, moves this
 * replica's search start to a random block, and applies the batch again.
 *
 * <p>All bitmap state is confined to the draining thread (the {@code scheduled} flag admits one).
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
  private final ConcurrentLinkedQueue<WorkerOp> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final IpamMetrics metrics;

  // confined to the draining thread
  private final Map<Long, Block> snapshots = new HashMap<>();
  private PoolValue record;
  private long recordRevision;
  private boolean loaded;
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
    if (scheduled.compareAndSet(false, true)) {
      executor.execute(this::drain);
    }
    return op.future;
  }

  private void drain() {
    List<WorkerOp> batch = new ArrayList<>();
    while (true) {
      WorkerOp op;
      while (batch.size() < MAX_OPS_PER_BATCH && (op = queue.poll()) != null) {
        batch.add(op);
      }
      if (batch.isEmpty()) {
        scheduled.set(false);
        // an op queued after the last poll but before the flag dropped must not be stranded
        if (queue.isEmpty() || !scheduled.compareAndSet(false, true)) {
          return;
        }
        continue;
      }
      batch = process(batch);
    }
  }

  /** Applies and commits a prefix of {@code batch}; returns the ops left for the next round. */
  private List<WorkerOp> process(List<WorkerOp> batch) {
    int applied = batch.size();
    try {
      boolean fresh = false;
      if (!loaded) {
        reload();
        fresh = true;
      }
      for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        snapshots.clear();
        applied = 0;
        boolean anyStale = false;
        for (WorkerOp op : batch) {
          if (snapshots.size() >= MAX_BLOCKS_PER_TXN) {
            break;
          }
          op.run(this);
          anyStale |= op.stale;
          applied++;
        }
        if (anyStale && !fresh) {
          rollback();
          reload();
          fresh = true;
          continue;
        }
        if (snapshots.isEmpty()) {
          completeAll(batch, applied);
          return rest(batch, applied);
        }
        if (commit()) {
          completeAll(batch, applied);
          metrics.committed(applied);
          return rest(batch, applied);
        }
        metrics.conflict();
        fresh = false;
      }
      rollback();
      failAll(batch, applied, new CnmException(ErrorKind.ABORTED, "IPAM_CONTENTION",
          "gave up after " + MAX_ATTEMPTS + " conflicting store writes; retry", Map.of(), null));
    } catch (CnmException e) {
      rollback();
      loaded = false;
      failAll(batch, applied, e);
    } catch (RuntimeException e) {
      rollback();
      loaded = false;
      failAll(batch, applied, new CnmException(ErrorKind.INTERNAL, "INTERNAL", e.toString(), Map.of(), e));
    }
    return rest(batch, applied);
  }

  /** Writes the changed blocks; on a lost race rolls back and refreshes what it lost to. */
  private boolean commit() {
    List<IpamKv.Guard> guards = new ArrayList<>(snapshots.size() + 1);
    List<IpamKv.Write> writes = new ArrayList<>(snapshots.size());
    List<String> reads = new ArrayList<>(snapshots.size() + 1);
    if (guardKey != null) {
      guards.add(new IpamKv.Guard(guardKey, recordRevision));
      reads.add(guardKey);
    }
    for (Map.Entry<Long, Block> e : snapshots.entrySet()) {
      String key = blocksPrefix + e.getKey();
      guards.add(new IpamKv.Guard(key, e.getValue().revision()));
      writes.add(IpamKv.Write.put(key, BlockCodec.encode(map.existing(e.getKey()))));
      reads.add(key);
    }
    IpamKv.TxnResult r = kv.txn(guards, writes, reads);
    if (r.succeeded()) {
      long delta = 0;
      for (Map.Entry<Long, Block> e : snapshots.entrySet()) {
        Block b = map.existing(e.getKey());
        b.revision(r.revision());
        delta += b.count() - e.getValue().count();
      }
      allocated += delta;
      snapshots.clear();
      return true;
    }
    List<Long> lost = new ArrayList<>(snapshots.keySet());
    rollback();
    if (guardKey != null) {
      setRecord(r.current().get(guardKey));
    }
    for (Long index : lost) {
      load(index, r.current().get(blocksPrefix + index));
    }
    long firstBlock = 0;
    long blocks = (map.last() >>> Block.SHIFT) + 1;
    map.home(firstBlock + ThreadLocalRandom.current().nextLong(blocks));
    return false;
  }

  private void rollback() {
    for (Map.Entry<Long, Block> e : snapshots.entrySet()) {
      map.existing(e.getKey()).copyFrom(e.getValue());
    }
    snapshots.clear();
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
        load(Keys.blockIndex(e.key()), e);
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
      throw new CnmException(ErrorKind.INTERNAL, "IPAM_CORRUPT_POOL", "undecodable pool " + guardKey, Map.of(), ex);
    }
  }

  private static void completeAll(List<WorkerOp> batch, int n) {
    for (int i = 0; i < n; i++) {
      batch.get(i).complete();
    }
  }

  private static void failAll(List<WorkerOp> batch, int n, CnmException e) {
    for (int i = 0; i < n; i++) {
      batch.get(i).future.completeExceptionally(e);
    }
  }

  private static List<WorkerOp> rest(List<WorkerOp> batch, int applied) {
    return applied >= batch.size() ? new ArrayList<>() : new ArrayList<>(batch.subList(applied, batch.size()));
  }
}
