package dev.cnm.runtime.errors;

import dev.cnm.api.v1.ErrorReason;
import java.util.Map;
import java.util.Objects;

/**
 * The one exception type cnm's domain code throws. It carries no gRPC types: the gRPC edge
 * maps {@link ErrorKind} to a status code through one table ({@code GrpcErrors}), and puts
 * {@link #reason()} and {@link #metadata()} into a {@code google.rpc.ErrorInfo} so that clients
 * switch on the reason, never on the message. Reasons come from one catalogue, the
 * {@link ErrorReason} enum of {@code proto/cnm/v1/errors.proto}.
 */
public class CnmException extends RuntimeException {
  private final ErrorKind kind;
  private final ErrorReason errorReason;
  private final String reason;
  private final Map<String, String> metadata;

  public CnmException(ErrorKind kind, ErrorReason reason, String message) {
    this(kind, reason, message, Map.of(), null);
  }

  public CnmException(ErrorKind kind, ErrorReason reason, String message, Map<String, String> metadata,
      Throwable cause) {
    this(kind, catalogued(reason), reason.name(), message, metadata, cause);
  }

  private CnmException(ErrorKind kind, ErrorReason errorReason, String reason, String message,
      Map<String, String> metadata, Throwable cause) {
    super(message, cause);
    this.kind = Objects.requireNonNull(kind, "kind");
    this.errorReason = errorReason;
    this.reason = Objects.requireNonNull(reason, "reason");
    this.metadata = Map.copyOf(metadata);
  }

  /**
   * An error a peer sent: its reason as received, which a newer peer may have taken from a
   * catalogue this build does not know ({@link #errorReason()} is then UNRECOGNIZED). Only the
   * client side of the error table ({@code GrpcErrors.fromStatus}) makes these.
   */
  public static CnmException received(ErrorKind kind, String reason, String message, Map<String, String> metadata,
      Throwable cause) {
    return new CnmException(kind, lookUp(reason), reason, message, metadata, cause);
  }

  /** The category, as libnetwork's error types classify (bad request, not found, forbidden...). */
  public ErrorKind kind() {
    return kind;
  }

  /** The reason's name, e.g. {@code POOL_OVERLAPS}: what ErrorInfo.reason carries on the wire. */
  public String reason() {
    return reason;
  }

  /** The reason in the catalogue; UNRECOGNIZED for a received reason this build does not list. */
  public ErrorReason errorReason() {
    return errorReason;
  }

  /** Structured details (the field at fault, the conflicting object...). */
  public Map<String, String> metadata() {
    return metadata;
  }

  /**
   * The same kind and reason with a message and metadata that say more (e.g. which field of
   * the caller's request led to this error), this exception as the cause.
   */
  public CnmException withContext(String message, Map<String, String> metadata) {
    return new CnmException(kind, errorReason, reason, message, metadata, this);
  }

  /** A bad field: {@code INVALID_ARGUMENT}, with the field named in the message and metadata. */
  public static CnmException invalidArgument(String field, String message) {
    return new CnmException(ErrorKind.INVALID_ARGUMENT, ErrorReason.INVALID_FIELD, field + ": " + message,
        Map.of("field", field), null);
  }

  public static CnmException notFound(String what, String message) {
    return new CnmException(ErrorKind.NOT_FOUND, ErrorReason.NOT_FOUND, message, Map.of("resource", what), null);
  }

  public static CnmException alreadyExists(String what, String message) {
    return new CnmException(ErrorKind.ALREADY_EXISTS, ErrorReason.ALREADY_EXISTS, message,
        Map.of("resource", what), null);
  }

  public static CnmException failedPrecondition(ErrorReason reason, String message) {
    return new CnmException(ErrorKind.FAILED_PRECONDITION, reason, message);
  }

  public static CnmException unavailable(String message, Throwable cause) {
    return new CnmException(ErrorKind.UNAVAILABLE, ErrorReason.UNAVAILABLE, message, Map.of(), cause);
  }

  private static ErrorReason catalogued(ErrorReason reason) {
    Objects.requireNonNull(reason, "reason");
    if (reason == ErrorReason.ERROR_REASON_UNSPECIFIED || reason == ErrorReason.UNRECOGNIZED) {
      throw new IllegalArgumentException("not a reason: " + reason);
    }
    return reason;
  }

  private static ErrorReason lookUp(String reason) {
    try {
      return ErrorReason.valueOf(Objects.requireNonNull(reason, "reason"));
    } catch (IllegalArgumentException e) {
      return ErrorReason.UNRECOGNIZED;
    }
  }
}
