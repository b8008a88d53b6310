package dev.cnm.ipam.service;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * ipam-service's meters (Prometheus names in docs/metrics.md): allocation latency, group-commit
 * batch sizes, store conflicts and reloads, and per-pool utilisation.
 */
public final class IpamMetrics {
  private final MeterRegistry registry;
  private final Counter conflicts;
  private final Counter reloads;
  private final DistributionSummary batch;
  /** Timers by "op/outcome": looked up once, not rebuilt from tags on every request. */
  private final ConcurrentHashMap<String, Timer> timers = new ConcurrentHashMap<>();

  public IpamMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.conflicts = Counter.builder("cnm.ipam.store.conflicts")
        .description("Transactions that lost a race with another replica and were retried").register(registry);
    this.reloads = Counter.builder("cnm.ipam.reloads")
        .description("Full reloads of a pool's or id set's bitmap from the store").register(registry);
    this.batch = DistributionSummary.builder("cnm.ipam.batch.operations")
        .description("Operations committed per store transaction (group commit)").register(registry);
  }

  public static IpamMetrics none() {
    return new IpamMetrics(new SimpleMeterRegistry());
  }

  void conflict() {
    conflicts.increment();
  }

  void reload() {
    reloads.increment();
  }

  void committed(int ops) {
    batch.record(ops);
  }

  /** Records one request's latency; {@code op} is request_address, release_address, request_id... */
  void latency(String op, boolean ok, long nanos) {
    String outcome = ok ? "ok" : "error";
    timers.computeIfAbsent(op + "/" + outcome, k -> Timer.builder("cnm.ipam.operation.duration")
        .description("Latency of ipam operations, from request to durable result")
        .tag("op", op).tag("outcome", outcome)
        .publishPercentileHistogram()
        .register(registry)).record(nanos, TimeUnit.NANOSECONDS);
  }

  /** Registers a utilisation gauge (allocated / size, 0..1) for a pool or id set. */
  void utilisation(String kind, String name, Supplier<Number> ratio) {
    Gauge.builder("cnm.ipam.utilization.ratio", ratio).description("Allocated fraction of a pool or id set")
        .tag("kind", kind).tag("name", name).register(registry);
  }
}
