package dev.cnm.store.client;

import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.grpc.GrpcErrors;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;

/** Turns a failed store call into cnm's {@link CnmException} through the shared {@link GrpcErrors} table. */
final class StoreStatus {
  private StoreStatus() {}

  static CnmException toCnm(Throwable t) {
    if (t instanceof CnmException c) {
      return c;
    }
    if (t instanceof StatusRuntimeException sre) {
      return GrpcErrors.fromStatus(sre);
    }
    if (t instanceof StatusException se) {
      return GrpcErrors.fromStatus(se.getStatus().asRuntimeException(se.getTrailers()));
    }
    return GrpcErrors.fromStatus(Status.fromThrowable(t).asRuntimeException());
  }

  static boolean isStatus(Throwable t) {
    return t instanceof StatusRuntimeException || t instanceof StatusException;
  }
}
