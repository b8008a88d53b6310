package dev.cnm.controller.domain.repository;

import com.google.protobuf.Message;
import dev.cnm.store.client.KvObject;
import dev.cnm.store.client.StoreClient;
import dev.cnm.store.client.StoreTxn;
import java.util.ArrayList;
import java.util.List;

/**
 * One atomic write of the controller's objects: the guards and writes of a store Txn, and, once
 * the Txn succeeded, the same writes applied to the in-memory caches at its revision, so that the
 * cached view shows them before the watch brings them. Every write of the controller goes through
 * one of these ({@link ObjectRepository#commit()}), so what the caches hold never depends on a
 * caller remembering to record what it wrote. Not thread-safe; build, {@link #commit()} once.
 */
public final class Commit {
  private final StoreTxn txn;
  private final Caches caches;
  /** The writes in Txn order; a null value is a delete. */
  private final List<Write> writes = new ArrayList<>();

  private record Write(String key, Message value) {}

  Commit(StoreClient store, Caches caches) {
    this.txn = store.txn();
    this.caches = caches;
  }

  /** Writes {@code value} if {@code key} does not exist. */
  public Commit create(String key, Message value) {
    return create(key, value, 0);
  }

  /** Writes {@code value} attached to {@code lease} if {@code key} does not exist. */
  public Commit create(String key, Message value, long lease) {
    txn.create(key, value, lease);
    writes.add(new Write(key, value));
    return this;
  }

  /** Replaces {@code read}'s value if its key is unchanged since it was read. */
  public Commit update(KvObject<?> read, Message value) {
    txn.update(read, value);
    writes.add(new Write(read.key(), value));
    return this;
  }

  /** Deletes {@code read}'s key if it is unchanged since it was read. */
  public Commit delete(KvObject<?> read) {
    txn.delete(read);
    writes.add(new Write(read.key(), null));
    return this;
  }

  /** Unguarded write (guard it with a require… call if it must not overwrite). */
  public Commit put(String key, Message value, long lease) {
    txn.put(key, value, lease);
    writes.add(new Write(key, value));
    return this;
  }

  /** Unguarded delete of one key. */
  public Commit deleteKey(String key) {
    txn.deleteKey(key);
    writes.add(new Write(key, null));
    return this;
  }

  /** Guard: {@code key} must not exist. */
  public Commit requireAbsent(String key) {
    txn.requireAbsent(key);
    return this;
  }

  /** Guard: {@code key}'s last write must be {@code modRevision} (0: the key must not exist). */
  public Commit requireRevision(String key, long modRevision) {
    txn.requireRevision(key, modRevision);
    return this;
  }

  /**
   * The Txn underneath, for the published ports' claims (keys under {@link StoreKeys#PORTS}, which
   * no cache holds, written by code the start-up migration shares with the Join). A write through it
   * reaches no cache.
   */
  public StoreTxn portClaims() {
    return txn;
  }

  /**
   * Applies the Txn, then its writes to the caches; returns its revision. Throws
   * {@link dev.cnm.store.client.StoreConflictException} if a guard failed (the caches are then
   * untouched).
   */
  public long commit() {
    long revision = txn.commit();
    for (Write w : writes) {
      if (w.value() == null) {
        caches.deleted(w.key(), revision);
      } else {
        caches.written(w.key(), w.value(), revision);
      }
    }
    return revision;
  }
}
