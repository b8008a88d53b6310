package dev.cnm.runtime.tracing;

import dev.cnm.runtime.Telemetry;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One CLIENT span per outgoing RPC, child of the span current when the call is made, whose
 * context travels to the server in W3C {@code traceparent} metadata.
 */
public final class TracingClientInterceptor implements ClientInterceptor {
  private final Tracer tracer;
  private final TextMapPropagator propagator;

  public TracingClientInterceptor(Telemetry telemetry) {
    this.tracer = telemetry.tracer();
    this.propagator = telemetry.propagator();
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(
      MethodDescriptor<Q, R> method, CallOptions callOptions, Channel next) {
    Context parent = Context.current();
    Span span = RpcSpans.start(tracer, method, SpanKind.CLIENT, parent);
    Context context = parent.with(span);
    AtomicBoolean ended = new AtomicBoolean();
    return new SimpleForwardingClientCall<>(next.newCall(method, callOptions)) {
      @Override
      public void start(Listener<R> responseListener, Metadata headers) {
        propagator.inject(context, headers, MetadataTextMap.SETTER);
        super.start(new SimpleForwardingClientCallListener<>(responseListener) {
          @Override
          public void onClose(Status status, Metadata trailers) {
            if (ended.compareAndSet(false, true)) {
              RpcSpans.end(span, status);
            }
            super.onClose(status, trailers);
          }
        }, headers);
      }
    };
  }
}
