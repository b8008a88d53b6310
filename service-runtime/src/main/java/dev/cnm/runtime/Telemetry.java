package dev.cnm.runtime;

import dev.cnm.runtime.config.ServerOptions;
import dev.cnm.runtime.tracing.TracingSdk;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.Objects;

/**
 * The metrics registry and the OpenTelemetry instance of one process. Servers and channels of
 * the same process share one (as in {@code cnm up}), so that /metrics shows all of them and a
 * trace crosses in-process hops.
 */
public final class Telemetry implements AutoCloseable {
  /** Instrumentation scope of the spans cnm's gRPC interceptors create. */
  public static final String INSTRUMENTATION_NAME = "dev.cnm.runtime";

  private final PrometheusMeterRegistry registry;
  private final OpenTelemetry openTelemetry;
  private final AutoCloseable owned;
  private final JvmGcMetrics gcMetrics;

  private Telemetry(PrometheusMeterRegistry registry, OpenTelemetry openTelemetry, AutoCloseable owned,
      boolean jvmMetrics) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.openTelemetry = Objects.requireNonNull(openTelemetry, "openTelemetry");
    this.owned = owned;
    if (jvmMetrics) {
      new JvmMemoryMetrics().bindTo(registry);
      new JvmThreadMetrics().bindTo(registry);
      new ClassLoaderMetrics().bindTo(registry);
      new ProcessorMetrics().bindTo(registry);
      new UptimeMetrics().bindTo(registry);
      this.gcMetrics = new JvmGcMetrics();
      gcMetrics.bindTo(registry);
    } else {
      this.gcMetrics = null;
    }
  }

  /**
   * A process's telemetry from its server options: a Prometheus registry with JVM metrics and an
   * OpenTelemetry SDK whose exporter is {@code --otel-exporter} (spans are still created and
   * propagated with {@code none}, so logs carry trace ids).
   */
  public static Telemetry create(String serviceName, ServerOptions options) {
    var sdk = TracingSdk.create(serviceName, options.otelExporter(), options.otelEndpoint());
    return new Telemetry(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), sdk, sdk, true);
  }

  /** Telemetry over a given OpenTelemetry (tests: an SDK with an in-memory span exporter). */
  public static Telemetry of(OpenTelemetry openTelemetry, PrometheusMeterRegistry registry) {
    return new Telemetry(registry, openTelemetry, null, false);
  }

  /** A fresh registry and no tracing: for tools and tests that do not look at telemetry. */
  public static Telemetry noop() {
    return new Telemetry(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), OpenTelemetry.noop(), null, false);
  }

  public MeterRegistry meterRegistry() {
    return registry;
  }

  /** The Prometheus text exposition of every meter. */
  public String scrape() {
    return registry.scrape();
  }

  public OpenTelemetry openTelemetry() {
    return openTelemetry;
  }

  public Tracer tracer() {
    return openTelemetry.getTracer(INSTRUMENTATION_NAME);
  }

  public TextMapPropagator propagator() {
    return openTelemetry.getPropagators().getTextMapPropagator();
  }

  /** Flushes and stops what this object created (the SDK's exporter); a given SDK is left open. */
  @Override
  public void close() {
    if (gcMetrics != null) {
      gcMetrics.close();
    }
    if (owned != null) {
      try {
        owned.close();
      } catch (Exception e) {
        // The exporter failing to flush at shutdown must not fail the shutdown.
      }
    }
    registry.close();
  }
}
