package dev.cnm.runtime.tracing;

import dev.cnm.runtime.config.OtelExporter;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.exporter.logging.LoggingSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SdkTracerProviderBuilder;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;

/** Builds the OpenTelemetry SDK of a cnm process from its options. Never registered globally. */
public final class TracingSdk {
  private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");

  private TracingSdk() {
  }

  /**
   * An SDK with W3C trace-context and baggage propagation. {@code none}: spans are made and
   * propagated but not exported; {@code logging}: each span is logged when it ends;
   * {@code otlp}: batched to an OTLP/HTTP collector ({@code endpoint}, e.g.
   * http://collector:4318/v1/traces; empty = the exporter's default).
   */
  public static OpenTelemetrySdk create(String serviceName, OtelExporter exporter, String endpoint) {
    return create(serviceName, tracerProvider -> {
      switch (exporter) {
        case NONE -> { }
        case LOGGING -> tracerProvider.addSpanProcessor(SimpleSpanProcessor.create(LoggingSpanExporter.create()));
        case OTLP -> tracerProvider.addSpanProcessor(BatchSpanProcessor.builder(otlp(endpoint)).build());
        default -> throw new IllegalArgumentException("unknown exporter " + exporter);
      }
    });
  }

  /** An SDK that hands every ended span to {@code exporter} at once (tests: InMemorySpanExporter). */
  public static OpenTelemetrySdk withExporter(String serviceName, SpanExporter exporter) {
    return create(serviceName, tracerProvider -> tracerProvider.addSpanProcessor(SimpleSpanProcessor.create(exporter)));
  }

  private static OpenTelemetrySdk create(String serviceName, java.util.function.Consumer<SdkTracerProviderBuilder> processors) {
    Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(SERVICE_NAME, serviceName)));
    SdkTracerProviderBuilder tracerProvider = SdkTracerProvider.builder().setResource(resource);
    processors.accept(tracerProvider);
    return OpenTelemetrySdk.builder()
        .setTracerProvider(tracerProvider.build())
        .setPropagators(ContextPropagators.create(TextMapPropagator.composite(
            W3CTraceContextPropagator.getInstance(), W3CBaggagePropagator.getInstance())))
        .build();
  }

  private static SpanExporter otlp(String endpoint) {
    OtlpHttpSpanExporterBuilder builder = OtlpHttpSpanExporter.builder();
    if (endpoint != null && !endpoint.isBlank()) {
      builder.setEndpoint(endpoint);
    }
    return builder.build();
  }
}
