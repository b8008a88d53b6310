package dev.cnm.store.client;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;

/**
 * Store-client counters: transactions whose guard failed (a lost race) and the retries a
 * caller's retry policy made because of them ({@link #retry()}). The counters live on one
 * process-wide registry: Micrometer's global registry unless a process names its own with
 * {@link #use(MeterRegistry)} (the serve commands pass their Telemetry's registry).
 */
public final class StoreClientMetrics {
  private static volatile Meters meters = new Meters(Metrics.globalRegistry);

  private StoreClientMetrics() {}

  /** Records the counters on {@code registry} from now on. */
  public static void use(MeterRegistry registry) {
    meters = new Meters(registry);
  }

  static void conflict() {
    meters.conflicts.increment();
  }

  /** Counts one read-modify-write attempt repeated after a conflict. */
  public static void retry() {
    meters.retries.increment();
  }

  private record Meters(Counter conflicts, Counter retries) {
    Meters(MeterRegistry r) {
      this(Counter.builder("cnm.store.client.txn.conflicts")
              .description("store transactions whose revision guard failed (lost a race)").register(r),
          Counter.builder("cnm.store.client.txn.retries")
              .description("read-modify-write attempts repeated after a conflict").register(r));
    }
  }
}
