package dev.cnm.store.client;

import com.google.protobuf.Message;
import java.util.Objects;

/**
 * One stored object as it was read: its key, its decoded protobuf value and the revisions the
 * store reported for it. This is libnetwork's KVObject (Key, Index) in Java: the mod revision is
 * the "index" that a later {@link StoreClient#update} or {@link StoreClient#delete} is guarded by,
 * so a writer never overwrites a change it has not seen.
 *
 * @param key the key (UTF-8)
 * @param value the decoded value
 * @param modRevision the revision of the last write to the key when it was read
 * @param createRevision the revision that created the key
 * @param version the number of writes since creation (1 after create)
 * @param lease the lease the key is attached to, or 0
 */
public record KvObject<T extends Message>(
    String key, T value, long modRevision, long createRevision, long version, long lease) {

  public KvObject {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
  }

  /** The same key and revisions with another value (for building an update). */
  public KvObject<T> withValue(T newValue) {
    return new KvObject<>(key, newValue, modRevision, createRevision, version, lease);
  }
}
