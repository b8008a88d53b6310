package dev.cnm.store.client;

import com.google.rpc.ErrorInfo;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.Map;

/** Turns a failed store call into cnm's {@link CnmException}, keeping the ErrorInfo details. */
final class StoreStatus {
  private StoreStatus() {}

  static CnmException toCnm(Throwable t) {
    if (t instanceof CnmException c) {
      return c;
    }
    Status status = Status.fromThrowable(t);
    String reason = status.getCode().name();
    Map<String, String> metadata = Map.of();
    com.google.rpc.Status detail = StatusProto.fromThrowable(t);
    if (detail != null) {
      for (com.google.protobuf.Any any : detail.getDetailsList()) {
        if (any.is(ErrorInfo.class)) {
          try {
            ErrorInfo info = any.unpack(ErrorInfo.class);
            reason = info.getReason();
            metadata = info.getMetadataMap();
          } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            // a malformed detail: keep the status code as the reason
          }
        }
      }
    }
    String message = status.getDescription() == null ? status.getCode().name() : status.getDescription();
    return new CnmException(kindOf(status.getCode()), reason, message, metadata, t);
  }

  static ErrorKind kindOf(Status.Code code) {
    return switch (code) {
      case INVALID_ARGUMENT -> ErrorKind.INVALID_ARGUMENT;
      case NOT_FOUND -> ErrorKind.NOT_FOUND;
      case ALREADY_EXISTS -> ErrorKind.ALREADY_EXISTS;
      case FAILED_PRECONDITION -> ErrorKind.FAILED_PRECONDITION;
      case OUT_OF_RANGE -> ErrorKind.OUT_OF_RANGE;
      case RESOURCE_EXHAUSTED -> ErrorKind.RESOURCE_EXHAUSTED;
      case ABORTED -> ErrorKind.ABORTED;
      case UNAVAILABLE, CANCELLED -> ErrorKind.UNAVAILABLE;
      case DEADLINE_EXCEEDED -> ErrorKind.DEADLINE_EXCEEDED;
      case PERMISSION_DENIED -> ErrorKind.PERMISSION_DENIED;
      case UNAUTHENTICATED -> ErrorKind.UNAUTHENTICATED;
      default -> ErrorKind.INTERNAL;
    };
  }

  /** True for failures worth retrying the same call for (the store was unreachable). */
  static boolean isTransient(Throwable t) {
    Status.Code code = Status.fromThrowable(t).getCode();
    return code == Status.Code.UNAVAILABLE;
  }

  static boolean isStatus(Throwable t) {
    return t instanceof StatusRuntimeException || t instanceof io.grpc.StatusException;
  }
}
