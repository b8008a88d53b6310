package dev.cnm.runtime.errors;

import java.util.Map;
import java.util.Objects;

/**
 * The one exception type cnm's domain code throws. It carries no gRPC types: the gRPC edge
 * maps {@link ErrorKind} to a status code through one table ({@code GrpcErrors}), and puts
 * {@link #reason()} and {@link #metadata()} into a {@code google.rpc.ErrorInfo} so that clients
 * switch on the reason, never on the message.
 */
public class CnmException extends RuntimeException {
  private final ErrorKind kind;
  private final String reason;
  private final Map<String, String> metadata;

  public CnmException(ErrorKind kind, String reason, String message) {
    this(kind, reason, message, Map.of(), null);
  }

  public CnmException(ErrorKind kind, String reason, String message, Map<String, String> metadata, Throwable cause) {
    super(message, cause);
    this.kind = Objects.requireNonNull(kind, "kind");
    this.reason = Objects.requireNonNull(reason, "reason");
    this.metadata = Map.copyOf(metadata);
  }

  /** The category, as libnetwork's error types classify (bad request, not found, forbidden...). */
  public ErrorKind kind() {
    return kind;
  }

  /** A stable UPPER_SNAKE reason, e.g. {@code POOL_OVERLAPS}; put in ErrorInfo.reason. */
  public String reason() {
    return reason;
  }

  /** Structured details (the field at fault, the conflicting object...). */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** A bad field: {@code INVALID_ARGUMENT}, with the field named in the message and metadata. */
  public static CnmException invalidArgument(String field, String message) {
    return new CnmException(ErrorKind.INVALID_ARGUMENT, "INVALID_FIELD", field + ": " + message,
        Map.of("field", field), null);
  }

  public static CnmException notFound(String what, String message) {
    return new CnmException(ErrorKind.NOT_FOUND, "NOT_FOUND", message, Map.of("resource", what), null);
  }

  public static CnmException alreadyExists(String what, String message) {
    return new CnmException(ErrorKind.ALREADY_EXISTS, "ALREADY_EXISTS", message, Map.of("resource", what), null);
  }

  public static CnmException failedPrecondition(String reason, String message) {
    return new CnmException(ErrorKind.FAILED_PRECONDITION, reason, message);
  }

  public static CnmException unavailable(String message, Throwable cause) {
    return new CnmException(ErrorKind.UNAVAILABLE, "UNAVAILABLE", message, Map.of(), cause);
  }
}
