package dev.cnm.store.grpc;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * The store's one error table: a backend failure becomes a gRPC status with a
 * google.rpc.ErrorInfo (reason, domain "cnm.dev", metadata such as field or compact_revision).
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
    return new CnmException(ErrorKind.INTERNAL, "INTERNAL", String.valueOf(t.getMessage()), java.util.Map.of(), t);
  }

  static StatusRuntimeException toStatus(Throwable t) {
    CnmException e = unwrap(t);
    com.google.rpc.Status status = com.google.rpc.Status.newBuilder()
        .setCode(code(e.kind()).value())
        .setMessage(e.getMessage() == null ? e.reason() : e.getMessage())
        .addDetails(Any.pack(ErrorInfo.newBuilder().setReason(e.reason()).setDomain("cnm.dev")
            .putAllMetadata(e.metadata()).build()))
        .build();
    return StatusProto.toStatusRuntimeException(status);
  }

  static Status.Code code(ErrorKind kind) {
    return switch (kind) {
      case INVALID_ARGUMENT -> Status.Code.INVALID_ARGUMENT;
      case NOT_FOUND -> Status.Code.NOT_FOUND;
      case ALREADY_EXISTS -> Status.Code.ALREADY_EXISTS;
      case FAILED_PRECONDITION -> Status.Code.FAILED_PRECONDITION;
      case OUT_OF_RANGE -> Status.Code.OUT_OF_RANGE;
      case RESOURCE_EXHAUSTED -> Status.Code.RESOURCE_EXHAUSTED;
      case ABORTED -> Status.Code.ABORTED;
      case UNAVAILABLE -> Status.Code.UNAVAILABLE;
      case DEADLINE_EXCEEDED -> Status.Code.DEADLINE_EXCEEDED;
      case PERMISSION_DENIED -> Status.Code.PERMISSION_DENIED;
      case UNAUTHENTICATED -> Status.Code.UNAUTHENTICATED;
      case INTERNAL -> Status.Code.INTERNAL;
    };
  }
}
