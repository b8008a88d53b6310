package dev.cnm.runtime.tracing;

import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;

/** Span naming and attributes of OpenTelemetry's RPC semantic conventions, for both sides. */
final class RpcSpans {
  static final AttributeKey<Long> GRPC_STATUS_CODE = AttributeKey.longKey("rpc.grpc.status_code");
  private static final AttributeKey<String> RPC_SYSTEM = AttributeKey.stringKey("rpc.system");
  private static final AttributeKey<String> RPC_SERVICE = AttributeKey.stringKey("rpc.service");
  private static final AttributeKey<String> RPC_METHOD = AttributeKey.stringKey("rpc.method");

  private RpcSpans() {
  }

  /** Starts a span named {@code package.Service/Method}. */
  static Span start(Tracer tracer, MethodDescriptor<?, ?> method, SpanKind kind, Context parent) {
    String fullName = method.getFullMethodName();
    String service = MethodDescriptor.extractFullServiceName(fullName);
    String bare = method.getBareMethodName();
    return tracer.spanBuilder(fullName)
        .setParent(parent)
        .setSpanKind(kind)
        .setAttribute(RPC_SYSTEM, "grpc")
        .setAttribute(RPC_SERVICE, service == null ? "" : service)
        .setAttribute(RPC_METHOD, bare == null ? fullName : bare)
        .startSpan();
  }

  /** Records the call's final status and ends the span. */
  static void end(Span span, Status status) {
    span.setAttribute(GRPC_STATUS_CODE, (long) status.getCode().value());
    if (!status.isOk()) {
      String description = status.getDescription();
      span.setStatus(StatusCode.ERROR, description == null ? status.getCode().name()
          : status.getCode().name() + ": " + description);
    }
    span.end();
  }
}
