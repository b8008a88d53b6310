package dev.cnm.controller.ipam;

import com.google.rpc.ErrorInfo;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.HashMap;
import java.util.Map;

/** Turns a failed call to another cnm service into a {@link CnmException}, keeping ErrorInfo. */
public final class RemoteErrors {
  private RemoteErrors() {}

  public static CnmException toCnm(String service, StatusRuntimeException e) {
    Status status = e.getStatus();
    String reason = status.getCode().name();
    Map<String, String> metadata = new HashMap<>();
    com.google.rpc.Status detail = StatusProto.fromThrowable(e);
    if (detail != null) {
      for (com.google.protobuf.Any any : detail.getDetailsList()) {
        if (any.is(ErrorInfo.class)) {
          try {
            ErrorInfo info = any.unpack(ErrorInfo.class);
            reason = info.getReason();
            metadata.putAll(info.getMetadataMap());
          } catch (com.google.protobuf.InvalidProtocolBufferException ignored) {
            // a malformed detail: keep the status code as the reason
          }
        }
      }
    }
    metadata.put("service", service);
    String message = status.getDescription() == null ? status.getCode().name() : status.getDescription();
    return new CnmException(kindOf(status.getCode()), reason, message, metadata, e);
  }

  public static ErrorKind kindOf(Status.Code code) {
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
}
