package dev.cnm.agent.session;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with full jitter (each delay uniform in [0, min(max, base * 2^n)]), reset
 * after a session got a snapshot, so that a fleet of agents does not reconnect in lockstep.
 * Not thread-safe: used from the session's serial context.
 */
final class Backoff {
  private final long baseMillis;
  private final long maxMillis;
  private int attempt;

  Backoff(Duration base, Duration max) {
    this.baseMillis = Math.max(1, base.toMillis());
    this.maxMillis = Math.max(baseMillis, max.toMillis());
  }

  long nextDelayMillis() {
    long cap = Math.min(maxMillis, baseMillis << Math.min(attempt, 20));
    attempt++;
    return ThreadLocalRandom.current().nextLong(cap + 1);
  }

  void reset() {
    attempt = 0;
  }
}
