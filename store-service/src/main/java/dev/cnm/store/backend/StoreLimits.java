package dev.cnm.store.backend;

import dev.cnm.api.v1.ErrorReason;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import java.util.Map;

/** The limits of the Store API and the errors every backend reports alike. */
public final class StoreLimits {
  /** Keys are 1 to 4096 bytes. */
  public static final int MAX_KEY_BYTES = 4096;
  /** Values are at most 1.5 MiB, as etcd's default request limit. */
  public static final int MAX_VALUE_BYTES = 1_572_864;
  /** compare + success + failure entries of one Txn, as etcd's --max-txn-ops default. */
  public static final int MAX_TXN_OPS = 128;
  /** The longest lease ttl etcd accepts (seconds). */
  public static final long MAX_LEASE_TTL = 9_000_000_000L;

  private StoreLimits() {}

  public static CnmException compacted(String field, long requested, long compactRevision) {
    return new CnmException(ErrorKind.OUT_OF_RANGE, ErrorReason.REVISION_COMPACTED,
        field + ": revision " + requested + " has been compacted; the oldest available is " + compactRevision,
        Map.of("field", field, "compact_revision", Long.toString(compactRevision)), null);
  }

  public static CnmException futureRevision(String field, long requested, long current) {
    return new CnmException(ErrorKind.OUT_OF_RANGE, ErrorReason.REVISION_IN_FUTURE,
        field + ": revision " + requested + " is in the future; the current revision is " + current,
        Map.of("field", field, "current_revision", Long.toString(current)), null);
  }

  public static CnmException leaseNotFound(String field, long lease) {
    return new CnmException(ErrorKind.NOT_FOUND, ErrorReason.LEASE_NOT_FOUND,
        field + ": lease " + lease + " not found", Map.of("field", field, "lease", Long.toString(lease)), null);
  }
}
