package dev.cnm.runtime.metrics;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;

/** Counts and times every RPC a channel makes, by service, method, type and status code. */
public final class GrpcClientMetricsInterceptor implements ClientInterceptor {
  private final RpcMeters meters;

  public GrpcClientMetricsInterceptor(MeterRegistry registry) {
    this.meters = new RpcMeters(registry, "client");
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(
      MethodDescriptor<Q, R> method, CallOptions callOptions, Channel next) {
    return new SimpleForwardingClientCall<>(next.newCall(method, callOptions)) {
      @Override
      public void start(Listener<R> responseListener, Metadata headers) {
        long start = System.nanoTime();
        meters.started(method);
        super.start(new SimpleForwardingClientCallListener<>(responseListener) {
          @Override
          public void onClose(Status status, Metadata trailers) {
            meters.finished(method, status.getCode(), System.nanoTime() - start);
            super.onClose(status, trailers);
          }
        }, headers);
      }
    };
  }
}
