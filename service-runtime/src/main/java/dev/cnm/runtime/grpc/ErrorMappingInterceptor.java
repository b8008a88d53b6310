package dev.cnm.runtime.grpc;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps what a service method throws, or passes to {@code onError}, through {@link GrpcErrors}.
 * Without it grpc-java answers UNKNOWN for a thrown exception and drops the ErrorInfo.
 */
final class ErrorMappingInterceptor implements ServerInterceptor {
  private static final Logger LOG = LoggerFactory.getLogger(ErrorMappingInterceptor.class);

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    MappingCall<Q, R> mapping = new MappingCall<>(call);
    ServerCall.Listener<Q> delegate;
    try {
      delegate = next.startCall(mapping, headers);
    } catch (RuntimeException e) {
      mapping.closeWith(e);
      return new ServerCall.Listener<>() { };
    }
    return new SimpleForwardingServerCallListener<>(delegate) {
      @Override
      public void onMessage(Q message) {
        try {
          super.onMessage(message);
        } catch (RuntimeException e) {
          mapping.closeWith(e);
        }
      }

      @Override
      public void onHalfClose() {
        try {
          super.onHalfClose();
        } catch (RuntimeException e) {
          mapping.closeWith(e);
        }
      }

      @Override
      public void onReady() {
        try {
          super.onReady();
        } catch (RuntimeException e) {
          mapping.closeWith(e);
        }
      }
    };
  }

  /** Rewrites UNKNOWN statuses (an exception given to onError) and closes at most once. */
  private static final class MappingCall<Q, R> extends SimpleForwardingServerCall<Q, R> {
    private final Object lock = new Object();
    private boolean closed; // guarded by lock

    MappingCall(ServerCall<Q, R> delegate) {
      super(delegate);
    }

    @Override
    public void close(Status status, Metadata trailers) {
      if (status.getCode() == Status.Code.UNKNOWN) {
        Throwable cause = status.getCause() != null ? status.getCause() : status.asRuntimeException();
        logUnexpected(cause);
        StatusRuntimeException mapped = GrpcErrors.toStatusException(cause);
        Metadata merged = mapped.getTrailers() == null ? new Metadata() : mapped.getTrailers();
        closeOnce(mapped.getStatus(), merged);
        return;
      }
      closeOnce(status, trailers);
    }

    void closeWith(RuntimeException error) {
      logUnexpected(error);
      StatusRuntimeException mapped = GrpcErrors.toStatusException(error);
      closeOnce(mapped.getStatus(), mapped.getTrailers() == null ? new Metadata() : mapped.getTrailers());
    }

    private void closeOnce(Status status, Metadata trailers) {
      synchronized (lock) {
        if (closed) {
          return;
        }
        closed = true;
      }
      super.close(status, trailers);
    }

    private void logUnexpected(Throwable error) {
      if (!(error instanceof dev.cnm.runtime.errors.CnmException)
          && !(error instanceof StatusRuntimeException)) {
        LOG.warn("{} failed with an unexpected exception", getMethodDescriptor().getFullMethodName(), error);
      }
    }
  }
}
