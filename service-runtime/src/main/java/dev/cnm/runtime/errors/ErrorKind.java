package dev.cnm.runtime.errors;

import dev.cnm.api.v1.ErrorReason;

/**
 * Error categories of cnm's domain, one per gRPC status code we use. libnetwork's types map as:
 * BadRequest and InvalidParameter → INVALID_ARGUMENT, NotFound → NOT_FOUND, Forbidden and
 * ActiveEndpoints → FAILED_PRECONDITION, (name) conflict → ALREADY_EXISTS, NoService and
 * Retry → UNAVAILABLE, Timeout → DEADLINE_EXCEEDED, Internal → INTERNAL. A compare-and-swap
 * conflict is ABORTED (the caller may retry). Nothing of ours maps to UNKNOWN.
 */
public enum ErrorKind {
  INVALID_ARGUMENT,
  NOT_FOUND,
  ALREADY_EXISTS,
  FAILED_PRECONDITION,
  OUT_OF_RANGE,
  RESOURCE_EXHAUSTED,
  ABORTED,
  UNAVAILABLE,
  DEADLINE_EXCEEDED,
  PERMISSION_DENIED,
  UNAUTHENTICATED,
  INTERNAL;

  /**
   * The catalogue's generic reason of the same name, for an error of this kind that no more
   * specific reason describes (e.g. an etcd error cnm does not classify further).
   */
  public ErrorReason reason() {
    return ErrorReason.valueOf(name());
  }
}
