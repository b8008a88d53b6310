package dev.cnm.ipam.store;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/** An in-memory {@link IpamKv} with store semantics (one revision per write), for tests. */
public final class MemoryKv implements IpamKv {
  private final Object lock = new Object();
  /** Guarded by lock. */
  private final TreeMap<String, Entry> data = new TreeMap<>();
  /** Guarded by lock. */
  private long revision = 1;
  /** Guarded by lock. */
  private long txns;

  @Override
  public Snapshot read(List<String> keys, List<String> prefixes) {
    synchronized (lock) {
      Map<String, Entry> out = new HashMap<>();
      for (String k : keys) {
        Entry e = data.get(k);
        if (e != null) {
          out.put(k, e);
        }
      }
      for (String p : prefixes) {
        out.putAll(data.subMap(p, p + Character.MAX_VALUE));
      }
      return new Snapshot(revision, out);
    }
  }

  @Override
  public CompletableFuture<TxnResult> txnAsync(List<Guard> guards, List<Write> writes,
      List<String> readOnFailure) {
    try {
      return CompletableFuture.completedFuture(txn(guards, writes, readOnFailure));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public TxnResult txn(List<Guard> guards, List<Write> writes, List<String> readOnFailure) {
    synchronized (lock) {
      txns++;
      for (Guard g : guards) {
        Entry e = data.get(g.key());
        long rev = e == null ? 0 : e.modRevision();
        if (rev != g.modRevision()) {
          return new TxnResult(false, revision, read(readOnFailure, List.of()).entries());
        }
      }
      if (!writes.isEmpty()) {
        revision++;
      }
      for (Write w : writes) {
        if (w.value() != null) {
          data.put(w.key(), new Entry(w.key(), w.value(), revision));
        } else if (w.prefix()) {
          data.subMap(w.key(), w.key() + Character.MAX_VALUE).clear();
        } else {
          data.remove(w.key());
        }
      }
      return new TxnResult(true, revision, Map.of());
    }
  }

  /** Transactions attempted so far (tests check batching and races with it). */
  public long txnCount() {
    synchronized (lock) {
      return txns;
    }
  }

  /** Keys currently stored under {@code prefix}. */
  public List<String> keys(String prefix) {
    synchronized (lock) {
      return List.copyOf(data.subMap(prefix, prefix + Character.MAX_VALUE).keySet());
    }
  }
}
