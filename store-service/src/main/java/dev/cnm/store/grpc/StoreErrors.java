package dev.cnm.store.grpc;

import dev.cnm.api.v1.ErrorReason;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.runtime.grpc.GrpcErrors;
import io.grpc.StatusRuntimeException;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * The store's edge of cnm's one error table ({@link GrpcErrors}): unwraps what a backend's
 * future failed with, turns a backend that missed the deadline into UNAVAILABLE, and hands the
 * CnmException to the shared mapping (status code, ErrorInfo with reason and metadata such as
 * field or compact_revision).
 */
final class StoreErrors {
  private StoreErrors() {}

  static CnmException unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof CnmException c) {
      return c;
    }
    if (t instanceof TimeoutException) {
      return CnmException.unavailable("the store backend did not answer within the call deadline", t);
    }
    return new CnmException(ErrorKind.INTERNAL, ErrorReason.INTERNAL, String.valueOf(t.getMessage()), Map.of(), t);
  }

  static StatusRuntimeException toStatus(Throwable t) {
    return GrpcErrors.toStatusException(unwrap(t));
  }
}
