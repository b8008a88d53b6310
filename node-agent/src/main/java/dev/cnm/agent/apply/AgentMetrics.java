package dev.cnm.agent.apply;

import dev.cnm.agent.dataplane.ReconcileReport;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The agent's reconcile meters (docs/metrics.md): how long making the kernel match one snapshot
 * took, and what it found to do — above all drift, objects that existed but differed from the
 * desired state (someone or something changed them behind the agent's back).
 */
public final class AgentMetrics {
  private final MeterRegistry registry;

  public AgentMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Meters nobody scrapes. */
  public static AgentMetrics none() {
    return new AgentMetrics(new SimpleMeterRegistry());
  }

  /** Runs one reconcile ({@code mode} "full" or "incremental"), timing it and counting its report. */
  ReconcileReport reconcile(String mode, Supplier<ReconcileReport> body) {
    long start = System.nanoTime();
    String outcome = "error";
    try {
      ReconcileReport r = body.get();
      outcome = r.failed().isEmpty() ? "ok" : "partial";
      objects("created", r.created().size());
      objects("removed", r.removed().size());
      objects("drift", r.drift().size());
      objects("failed", r.failed().size());
      if (!r.drift().isEmpty()) {
        Counter.builder("cnm.agent.reconcile.drift.found")
            .description("reconciles that found at least one drifted object").register(registry).increment();
      }
      return r;
    } finally {
      Timer.builder("cnm.agent.reconcile.duration")
          .description("time to make the node's kernel match one desired-state snapshot")
          .tags("mode", mode, "outcome", outcome).publishPercentileHistogram()
          .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30))
          .register(registry).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }
  }

  private void objects(String action, int n) {
    Counter.builder("cnm.agent.reconcile.objects")
        .description("objects a reconcile created, removed, repaired (drift) or failed to converge")
        .tags("action", action).register(registry).increment(n);
  }
}
