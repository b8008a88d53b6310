package dev.cnm.ipam.store;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * What ipam-service needs from the store: consistent multi-key reads and revision-guarded
 * transactions. Two implementations: {@link StoreKv} over the cnm Store service and
 * an in-memory one in the tests. Implementations throw
 * {@code CnmException} (UNAVAILABLE when the store cannot be reached).
 */
public interface IpamKv {
  /** One key as read, with the store revision of its last write. */
  record Entry(String key, byte[] value, long modRevision) { }

  /** The key's mod revision must equal {@code modRevision}; 0 means the key must not exist. */
  record Guard(String key, long modRevision) { }

  /** Put {@code value} at {@code key}; a null value deletes the key, or every key under it
   *  when {@code prefix}. */
  record Write(String key, byte[] value, boolean prefix) {
    public static Write put(String key, byte[] value) {
      return new Write(key, value, false);
    }

    public static Write delete(String key) {
      return new Write(key, null, false);
    }

    public static Write deletePrefix(String prefix) {
      return new Write(prefix, null, true);
    }
  }

  /**
   * The outcome of {@link #txn}: when it failed, {@code current} holds the present entries of
   * the keys asked for (absent keys are missing from the map), read atomically with the
   * failed comparison.
   */
  record TxnResult(boolean succeeded, long revision, Map<String, Entry> current) { }

  /** Entries read at one revision. */
  record Snapshot(long revision, Map<String, Entry> entries) { }

  /** Reads the given keys and every key under the given prefixes, all at one revision. */
  Snapshot read(List<String> keys, List<String> prefixes);

  /** If every guard holds, applies the writes atomically; otherwise reads {@code readOnFailure}. */
  TxnResult txn(List<Guard> guards, List<Write> writes, List<String> readOnFailure);

  /**
   * {@link #txn} without holding the caller's thread for the round trip; the future fails with
   * what {@code txn} would throw. It may complete on a transport thread: callbacks must not block.
   */
  CompletableFuture<TxnResult> txnAsync(List<Guard> guards, List<Write> writes, List<String> readOnFailure);
}
