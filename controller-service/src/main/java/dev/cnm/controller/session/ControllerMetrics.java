package dev.cnm.controller.session;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The controller's own meters (docs/metrics.md): Join/Leave latency as the caller sees it (the
 * store writes and the agent's apply and ack included), connected agents, per-node desired-state
 * version lag, the acks/nacks agents send, and what the IPAM sweep freed.
 */
public final class ControllerMetrics {
  private final MeterRegistry registry;
  private final Counter acks;
  private final Counter nacks;

  public ControllerMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.acks = Counter.builder("cnm.controller.snapshot.acks")
        .description("desired-state snapshots agents acknowledged as applied").register(registry);
    this.nacks = Counter.builder("cnm.controller.snapshot.nacks")
        .description("desired-state snapshots agents rejected (could not apply)").register(registry);
  }

  /** Meters nobody scrapes (tests, embedded use). */
  public static ControllerMetrics none() {
    return new ControllerMetrics(new SimpleMeterRegistry());
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** Times {@code body} as a Join ("join") or Leave ("leave"), tagged by outcome. */
  public <T> T time(String op, Supplier<T> body) {
    long start = System.nanoTime();
    String outcome = "error";
    try {
      T r = body.get();
      outcome = "ok";
      return r;
    } finally {
      Timer.builder("cnm.controller." + op + ".duration")
          .description(op + " latency on the controller, store writes and the agent's apply included")
          .tags("outcome", outcome).publishPercentileHistogram()
          .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30))
          .register(registry).record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
  }

  /**
   * Counts what an IPAM sweep freed: {@code n} allocations of one kind ("address", "id" or
   * "pool"). Dry runs count nothing.
   */
  public void ipamSwept(String kind, long n) {
    Counter.builder("cnm.controller.ipam.sweep.freed")
        .description("addresses, ids and pools the IPAM sweep freed because their owner was not in the store")
        .tags("kind", kind).register(registry).increment(n);
  }

  void ack(boolean ok) {
    (ok ? acks : nacks).increment();
  }

  void connectedAgents(Supplier<Number> count) {
    Gauge.builder("cnm.controller.agents.connected", count, n -> n.get().doubleValue())
        .description("agents with an open session to this controller").strongReference(true).register(registry);
  }

  void versionLag(String node, Supplier<Number> lag) {
    Gauge.builder("cnm.controller.desired.version.lag", lag, n -> n.get().doubleValue())
        .description("latest desired-state version sent to the node minus the last it acknowledged")
        .tags("node", node).strongReference(true).register(registry);
  }
}
