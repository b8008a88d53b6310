package dev.cnm.agent.session;

import dev.cnm.api.v1.DesiredState;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.List;

/**
 * The agent's span for applying one snapshot. The session stream lives longer than any request,
 * so the parent comes from the snapshot's own {@code traceparent} (the controller request that
 * caused it, e.g. a Join); without one the span starts a trace of its own.
 */
final class SnapshotSpan {
  static final String NAME = "cnm.agent/ApplySnapshot";
  private static final TextMapGetter<DesiredState> GETTER = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(DesiredState carrier) {
      return List.of("traceparent");
    }

    @Override
    public String get(DesiredState carrier, String key) {
      return carrier != null && "traceparent".equals(key) && !carrier.getTraceparent().isEmpty()
          ? carrier.getTraceparent() : null;
    }
  };

  private SnapshotSpan() {}

  static Span start(Tracer tracer, DesiredState s) {
    Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), s, GETTER);
    return tracer.spanBuilder(NAME).setParent(parent).setSpanKind(SpanKind.CONSUMER)
        .setAttribute("cnm.node", s.getNode()).setAttribute("cnm.snapshot.version", s.getVersion())
        .startSpan();
  }
}
