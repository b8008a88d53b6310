package dev.cnm.runtime.grpc;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import dev.cnm.api.v1.ErrorReason;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

/**
 * The one table between cnm's domain errors and gRPC status codes, in both directions.
 *
 * <p>Servers turn a {@link CnmException} into a status whose details hold a
 * {@code google.rpc.ErrorInfo} (reason, domain {@value #DOMAIN}, metadata), so that clients in
 * any language switch on the reason rather than the message. The reason is the name of an
 * {@link ErrorReason} value: the catalogue in {@code proto/cnm/v1/errors.proto}. Anything else thrown by our code is
 * a bug and becomes INTERNAL: we never answer UNKNOWN.
 */
public final class GrpcErrors {
  /** The ErrorInfo domain of every error cnm produces. */
  public static final String DOMAIN = "cnm.dev";

  private static final Map<ErrorKind, Status.Code> CODES = new EnumMap<>(ErrorKind.class);
  private static final Map<Status.Code, ErrorKind> KINDS = new EnumMap<>(Status.Code.class);

  static {
    CODES.put(ErrorKind.INVALID_ARGUMENT, Status.Code.INVALID_ARGUMENT);
    CODES.put(ErrorKind.NOT_FOUND, Status.Code.NOT_FOUND);
    CODES.put(ErrorKind.ALREADY_EXISTS, Status.Code.ALREADY_EXISTS);
    CODES.put(ErrorKind.FAILED_PRECONDITION, Status.Code.FAILED_PRECONDITION);
    CODES.put(ErrorKind.OUT_OF_RANGE, Status.Code.OUT_OF_RANGE);
    CODES.put(ErrorKind.RESOURCE_EXHAUSTED, Status.Code.RESOURCE_EXHAUSTED);
    CODES.put(ErrorKind.ABORTED, Status.Code.ABORTED);
    CODES.put(ErrorKind.UNAVAILABLE, Status.Code.UNAVAILABLE);
    CODES.put(ErrorKind.DEADLINE_EXCEEDED, Status.Code.DEADLINE_EXCEEDED);
    CODES.put(ErrorKind.PERMISSION_DENIED, Status.Code.PERMISSION_DENIED);
    CODES.put(ErrorKind.UNAUTHENTICATED, Status.Code.UNAUTHENTICATED);
    CODES.put(ErrorKind.INTERNAL, Status.Code.INTERNAL);
    CODES.forEach((kind, code) -> KINDS.put(code, kind));
    // Codes our servers never send but a peer or the transport may: the closest domain kind.
    KINDS.put(Status.Code.CANCELLED, ErrorKind.UNAVAILABLE);
    KINDS.put(Status.Code.UNKNOWN, ErrorKind.INTERNAL);
    KINDS.put(Status.Code.UNIMPLEMENTED, ErrorKind.INTERNAL);
    KINDS.put(Status.Code.DATA_LOSS, ErrorKind.INTERNAL);
  }

  private GrpcErrors() {
  }

  /** The status code of a domain error kind. */
  public static Status.Code codeOf(ErrorKind kind) {
    return CODES.get(kind);
  }

  /** The domain error kind of a status code ({@code OK} has none and maps to INTERNAL). */
  public static ErrorKind kindOf(Status.Code code) {
    return KINDS.getOrDefault(code, ErrorKind.INTERNAL);
  }

  /**
   * Maps anything thrown by a service into what the client receives. Status exceptions pass
   * through unchanged (except UNKNOWN, which becomes INTERNAL); a CnmException gets its code
   * from the table and an ErrorInfo; any other throwable is INTERNAL with reason
   * {@link ErrorReason#INTERNAL}.
   */
  public static StatusRuntimeException toStatusException(Throwable error) {
    if (error instanceof StatusRuntimeException sre) {
      return sre.getStatus().getCode() == Status.Code.UNKNOWN ? internal(sre.getStatus()) : sre;
    }
    if (error instanceof StatusException se) {
      return se.getStatus().getCode() == Status.Code.UNKNOWN
          ? internal(se.getStatus())
          : se.getStatus().asRuntimeException(se.getTrailers());
    }
    if (error instanceof CnmException cnm) {
      return fromCnm(cnm);
    }
    String message = error.getMessage() == null
        ? error.getClass().getName()
        : error.getClass().getSimpleName() + ": " + error.getMessage();
    return withInfo(Status.Code.INTERNAL, "internal error: " + message, ErrorReason.INTERNAL.name(), Map.of());
  }

  /**
   * Client side: turns a received status back into a CnmException carrying the server's
   * reason and metadata (or the status code's name as reason when the peer sent no ErrorInfo).
   */
  public static CnmException fromStatus(StatusRuntimeException error) {
    Status status = error.getStatus();
    ErrorKind kind = kindOf(status.getCode());
    String reason = status.getCode().name();
    Map<String, String> metadata = new HashMap<>();
    com.google.rpc.Status detail = StatusProto.fromThrowable(error);
    if (detail != null) {
      for (Any any : detail.getDetailsList()) {
        if (any.is(ErrorInfo.class)) {
          ErrorInfo info = unpack(any);
          if (info != null) {
            reason = info.getReason();
            metadata.putAll(info.getMetadataMap());
          }
          break;
        }
      }
    }
    String message = status.getDescription() == null ? status.getCode().name() : status.getDescription();
    return CnmException.received(kind, reason, message, metadata, error);
  }

  /** The ErrorInfo reason a status carries, or the code's name when it carries none. */
  public static String reasonOf(StatusRuntimeException error) {
    return fromStatus(error).reason();
  }

  /** A server interceptor that maps exceptions thrown or passed to onError by service methods. */
  public static ServerInterceptor serverInterceptor() {
    return new ErrorMappingInterceptor();
  }

  private static StatusRuntimeException fromCnm(CnmException error) {
    String message = error.getMessage() == null ? error.reason() : error.getMessage();
    return withInfo(codeOf(error.kind()), message, error.reason(), error.metadata());
  }

  private static StatusRuntimeException internal(Status status) {
    String message = status.getDescription() != null ? status.getDescription()
        : status.getCause() != null ? String.valueOf(status.getCause()) : "internal error";
    return withInfo(Status.Code.INTERNAL, message, ErrorReason.INTERNAL.name(), Map.of());
  }

  private static StatusRuntimeException withInfo(
      Status.Code code, String message, String reason, Map<String, String> metadata) {
    ErrorInfo info = ErrorInfo.newBuilder()
        .setReason(reason)
        .setDomain(DOMAIN)
        .putAllMetadata(metadata)
        .build();
    com.google.rpc.Status status = com.google.rpc.Status.newBuilder()
        .setCode(code.value())
        .setMessage(message)
        .addDetails(Any.pack(info))
        .build();
    return StatusProto.toStatusRuntimeException(status);
  }

  private static ErrorInfo unpack(Any any) {
    try {
      return any.unpack(ErrorInfo.class);
    } catch (InvalidProtocolBufferException e) {
      return null;
    }
  }
}
