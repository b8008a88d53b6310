package dev.cnm.controller.session;

import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapSetter;

/**
 * The W3C {@code traceparent} of the current OpenTelemetry context (the RPC being served), for
 * {@code DesiredState.traceparent}: the session stream outlives requests, so each snapshot
 * carries the context of the request that caused it.
 */
final class TraceParent {
  private static final TextMapSetter<String[]> SETTER = (carrier, key, value) -> {
    if ("traceparent".equals(key)) {
      carrier[0] = value;
    }
  };

  private TraceParent() {}

  /** The current context's traceparent, or "" when no valid span is current. */
  static String current() {
    String[] out = {""};
    W3CTraceContextPropagator.getInstance().inject(Context.current(), out, SETTER);
    return out[0];
  }
}
