package dev.cnm.runtime.metrics;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicBoolean;

/** Counts and times every RPC a server handles, by service, method, type and status code. */
public final class GrpcServerMetricsInterceptor implements ServerInterceptor {
  private final RpcMeters meters;

  public GrpcServerMetricsInterceptor(MeterRegistry registry) {
    this.meters = new RpcMeters(registry, "server");
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    long start = System.nanoTime();
    AtomicBoolean recorded = new AtomicBoolean();
    meters.started(call.getMethodDescriptor());
    ServerCall<Q, R> measured = new SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        if (recorded.compareAndSet(false, true)) {
          meters.finished(getMethodDescriptor(), status.getCode(), System.nanoTime() - start);
        }
        super.close(status, trailers);
      }
    };
    return new SimpleForwardingServerCallListener<>(next.startCall(measured, headers)) {
      @Override
      public void onCancel() {
        if (recorded.compareAndSet(false, true)) {
          meters.finished(call.getMethodDescriptor(), Status.Code.CANCELLED, System.nanoTime() - start);
        }
        super.onCancel();
      }
    };
  }
}
