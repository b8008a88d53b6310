package dev.cnm.store.etcd;

import dev.cnm.api.v1.ErrorReason;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.store.backend.StoreLimits;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.common.exception.EtcdException;
import io.grpc.Status;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * etcd's errors in cnm's terms. etcd reports a compacted and a future revision with the same
 * code (OUT_OF_RANGE) and tells them apart only in the message ("mvcc: required revision has
 * been compacted" / "is a future revision"), so those two are told apart by message.
 */
final class EtcdErrors {
  private EtcdErrors() {}

  static CnmException map(Throwable t, String revisionField, long requestedRevision) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof CnmException c) {
      return c;
    }
    if (t instanceof CompactedException c) {
      return StoreLimits.compacted(revisionField, requestedRevision, c.getCompactedRevision());
    }
    String message = String.valueOf(t.getMessage());
    ErrorKind kind;
    if (t instanceof EtcdException e) {
      kind = kind(e.getErrorCode().name());
    } else {
      Status s = Status.fromThrowable(t);
      kind = s.getCode() == Status.Code.UNKNOWN ? ErrorKind.UNAVAILABLE : kind(s.getCode().name());
    }
    if (kind == ErrorKind.OUT_OF_RANGE && message.contains("compacted")) {
      return new CnmException(ErrorKind.OUT_OF_RANGE, ErrorReason.REVISION_COMPACTED,
          revisionField + ": revision " + requestedRevision + " has been compacted",
          Map.of("field", revisionField), t);
    }
    if (kind == ErrorKind.OUT_OF_RANGE && message.contains("future")) {
      return new CnmException(ErrorKind.OUT_OF_RANGE, ErrorReason.REVISION_IN_FUTURE,
          revisionField + ": revision " + requestedRevision + " is in the future", Map.of("field", revisionField), t);
    }
    if (kind == ErrorKind.NOT_FOUND && message.contains("lease")) {
      return new CnmException(ErrorKind.NOT_FOUND, ErrorReason.LEASE_NOT_FOUND, "lease not found: " + message, Map.of(), t);
    }
    if (kind == ErrorKind.UNAVAILABLE || kind == ErrorKind.DEADLINE_EXCEEDED || kind == ErrorKind.INTERNAL) {
      return CnmException.unavailable("etcd unavailable: " + message, t);
    }
    return new CnmException(kind, kind.reason(), "etcd: " + message, Map.of(), t);
  }

  private static ErrorKind kind(String code) {
    try {
      return ErrorKind.valueOf(code);
    } catch (IllegalArgumentException e) {
      return ErrorKind.UNAVAILABLE;
    }
  }
}
