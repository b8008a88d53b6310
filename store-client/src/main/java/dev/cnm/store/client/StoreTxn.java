package dev.cnm.store.client;

import com.google.protobuf.Message;
import dev.cnm.api.v1.DeleteRangeRequest;
import dev.cnm.api.v1.PutRequest;
import dev.cnm.api.v1.RequestOp;
import dev.cnm.api.v1.TxnRequest;
import dev.cnm.api.v1.TxnResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * An atomic multi-key write: every guard is checked and every write applied in one store
 * revision, or nothing happens and {@link #commit()} throws {@link StoreConflictException}.
 * At most 128 guards + writes. Not thread-safe; build, commit once.
 *
 * <pre>{@code
 * long rev = store.txn()
 *     .create("/cnm/v1/networks/" + id, network)
 *     .create("/cnm/v1/names/local/network/" + name, NameClaim.of(id))
 *     .commit();
 * }</pre>
 */
public final class StoreTxn {
  private final StoreClient client;
  private final TxnRequest.Builder request = TxnRequest.newBuilder();
  private final List<String> guardedKeys = new ArrayList<>();

  StoreTxn(StoreClient client) {
    this.client = client;
  }

  /** Writes {@code value} if {@code key} does not exist. */
  public StoreTxn create(String key, Message value) {
    return create(key, value, 0);
  }

  /** Writes {@code value} attached to {@code lease} if {@code key} does not exist. */
  public StoreTxn create(String key, Message value, long lease) {
    requireAbsent(key);
    return put(key, value, lease);
  }

  /** Replaces {@code read}'s value if its key is unchanged since it was read. */
  public StoreTxn update(KvObject<?> read, Message newValue) {
    requireRevision(read.key(), read.modRevision());
    return put(read.key(), newValue, read.lease());
  }

  /** Deletes {@code read}'s key if it is unchanged since it was read. */
  public StoreTxn delete(KvObject<?> read) {
    requireRevision(read.key(), read.modRevision());
    return deleteKey(read.key());
  }

  /** Guard: {@code key} must not exist. */
  public StoreTxn requireAbsent(String key) {
    request.addCompare(StoreClient.absent(key));
    guardedKeys.add(key);
    return this;
  }

  /** Guard: {@code key}'s last write must be {@code modRevision} (0: the key must not exist). */
  public StoreTxn requireRevision(String key, long modRevision) {
    request.addCompare(StoreClient.modRevisionIs(key, modRevision));
    guardedKeys.add(key);
    return this;
  }

  /** Unguarded write (guard it with a require… call if it must not overwrite). */
  public StoreTxn put(String key, Message value, long lease) {
    request.addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder()
        .setKey(Keys.bytes(key)).setValue(value.toByteString()).setLease(lease)));
    return this;
  }

  /** Unguarded delete of one key. */
  public StoreTxn deleteKey(String key) {
    request.addSuccess(RequestOp.newBuilder().setRequestDeleteRange(
        DeleteRangeRequest.newBuilder().setKey(Keys.bytes(key))));
    return this;
  }

  /** Applies the transaction; returns its revision. Throws {@link StoreConflictException} if a guard failed. */
  public long commit() {
    TxnResponse r = client.commitRaw(request.build());
    if (!r.getSucceeded()) {
      StoreClientMetrics.conflict();
      throw new StoreConflictException(guardedKeys);
    }
    return r.getHeader().getRevision();
  }
}
