package dev.cnm.runtime.metrics;

import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The per-RPC meters, named as go-grpc-prometheus names them so that existing dashboards apply:
 * {@code grpc_<side>_started_total} and the {@code grpc_<side>_handling_seconds} histogram,
 * whose {@code _count} by {@code grpc_code} is the number of finished calls.
 */
final class RpcMeters {
  /** Buckets from 0.5 ms (in-process, loopback) to 30 s (a Join waiting for an agent). */
  private static final Duration[] BUCKETS = {
      Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofNanos(2_500_000), Duration.ofMillis(5),
      Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
      Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
      Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30)};

  private final MeterRegistry registry;
  private final String side;
  /**
   * The meters already registered, by method (and status code): a call then costs one map lookup
   * instead of building a meter id (name, tags, sorted) and looking it up in the registry.
   */
  private final Map<MethodDescriptor<?, ?>, Counter> startedByMethod = new ConcurrentHashMap<>();
  private final Map<MethodDescriptor<?, ?>, Map<Status.Code, Timer>> handlingByMethod = new ConcurrentHashMap<>();

  RpcMeters(MeterRegistry registry, String side) {
    this.registry = registry;
    this.side = side;
  }

  void started(MethodDescriptor<?, ?> method) {
    startedByMethod.computeIfAbsent(method, m -> Counter.builder("grpc." + side + ".started")
        .description("RPCs started on the " + side)
        .tag("grpc_service", service(m))
        .tag("grpc_method", method(m))
        .tag("grpc_type", type(m))
        .register(registry))
        .increment();
  }

  void finished(MethodDescriptor<?, ?> method, Status.Code code, long nanos) {
    handlingByMethod.computeIfAbsent(method, m -> new ConcurrentHashMap<>())
        .computeIfAbsent(code, c -> Timer.builder("grpc." + side + ".handling")
            .description("Time from the start of an RPC to its end on the " + side + ", by final status code")
            .tag("grpc_service", service(method))
            .tag("grpc_method", method(method))
            .tag("grpc_type", type(method))
            .tag("grpc_code", c.name())
            .serviceLevelObjectives(BUCKETS)
            .register(registry))
        .record(Duration.ofNanos(nanos));
  }

  private static String service(MethodDescriptor<?, ?> method) {
    String service = method.getServiceName();
    return service == null ? "" : service;
  }

  private static String method(MethodDescriptor<?, ?> method) {
    String bare = method.getBareMethodName();
    return bare == null ? method.getFullMethodName() : bare;
  }

  private static String type(MethodDescriptor<?, ?> method) {
    return method.getType().name().toLowerCase(Locale.ROOT);
  }
}
