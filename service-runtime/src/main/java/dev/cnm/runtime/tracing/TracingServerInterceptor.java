package dev.cnm.runtime.tracing;

import dev.cnm.runtime.Telemetry;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One SERVER span per incoming RPC, child of the caller's span when the call carries W3C
 * trace context. The span is current in every listener callback, so a service method that
 * calls another service through a traced channel makes the next hop a child of this one.
 */
public final class TracingServerInterceptor implements ServerInterceptor {
  private final Tracer tracer;
  private final TextMapPropagator propagator;

  public TracingServerInterceptor(Telemetry telemetry) {
    this.tracer = telemetry.tracer();
    this.propagator = telemetry.propagator();
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Context parent = propagator.extract(Context.root(), headers, MetadataTextMap.GETTER);
    Span span = RpcSpans.start(tracer, call.getMethodDescriptor(), SpanKind.SERVER, parent);
    Context context = parent.with(span);
    AtomicBoolean ended = new AtomicBoolean();
    ServerCall<Q, R> traced = new SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        // End before sending the status: a caller that has its answer finds this span finished.
        if (ended.compareAndSet(false, true)) {
          RpcSpans.end(span, status);
        }
        super.close(status, trailers);
      }
    };
    ServerCall.Listener<Q> delegate;
    try (Scope ignored = context.makeCurrent()) {
      delegate = next.startCall(traced, headers);
    }
    return new SimpleForwardingServerCallListener<>(delegate) {
      @Override
      public void onMessage(Q message) {
        try (Scope ignored = context.makeCurrent()) {
          super.onMessage(message);
        }
      }

      @Override
      public void onHalfClose() {
        try (Scope ignored = context.makeCurrent()) {
          super.onHalfClose();
        }
      }

      @Override
      public void onCancel() {
        try (Scope ignored = context.makeCurrent()) {
          super.onCancel();
        } finally {
          if (ended.compareAndSet(false, true)) {
            span.setStatus(StatusCode.ERROR, "CANCELLED");
            span.setAttribute(RpcSpans.GRPC_STATUS_CODE, (long) Status.Code.CANCELLED.value());
            span.end();
          }
        }
      }

      @Override
      public void onComplete() {
        try (Scope ignored = context.makeCurrent()) {
          super.onComplete();
        }
      }

      @Override
      public void onReady() {
        try (Scope ignored = context.makeCurrent()) {
          super.onReady();
        }
      }
    };
  }
}
