package dev.cnm.store.client;

import dev.cnm.api.v1.ErrorReason;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import java.util.List;
import java.util.Map;

/**
 * A guarded write lost a race: a key it required absent exists, or a key changed since it was
 * read. Retryable: read again, recompute, write again.
 * Kind {@link ErrorKind#ABORTED}, reason {@code STORE_CONFLICT}.
 */
public final class StoreConflictException extends CnmException {
  private final List<String> keys;

  public StoreConflictException(List<String> keys) {
    super(ErrorKind.ABORTED, ErrorReason.STORE_CONFLICT,
        "store conflict: " + String.join(", ", keys) + " changed since read (or already exists)",
        Map.of("keys", String.join(",", keys)), null);
    this.keys = List.copyOf(keys);
  }

  /** The keys whose guard the write carried (at least one of them no longer matched). */
  public List<String> keys() {
    return keys;
  }
}
