package dev.cnm.runtime.security;

import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.grpc.GrpcErrors;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.StatusRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends a call that authorisation refused, with the status and google.rpc.ErrorInfo that
 * {@link GrpcErrors} gives the exception, and logs it: an operator sees who was turned away.
 */
public final class CallRefusal {
  private static final Logger LOG = LoggerFactory.getLogger(CallRefusal.class);

  private CallRefusal() {}

  /** Closes {@code call} with {@code why} and returns a listener that ignores the rest of the call. */
  public static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, CnmException why) {
    close(call, why);
    return new ServerCall.Listener<>() {};
  }

  /** Closes {@code call} with {@code why} (for a call already started, e.g. a stream's later message). */
  public static void close(ServerCall<?, ?> call, CnmException why) {
    LOG.warn("refused {}: {}", call.getMethodDescriptor().getFullMethodName(), why.getMessage());
    StatusRuntimeException e = GrpcErrors.toStatusException(why);
    call.close(e.getStatus(), e.getTrailers() == null ? new Metadata() : e.getTrailers());
  }
}
