package dev.cnm.bench.report;

import java.util.Arrays;
import java.util.Locale;

/**
 * Latencies of one benchmark phase, summarised the way ../shared/peers/lib.sh does it
 * (nearest-rank percentiles; rate = samples / wall time of the phase), so that our JSONL lines
 * sit next to the peers' (CNI plugins, dockerd) in one file. Shared by the dataplane and
 * controller benchmarks.
 */
public final class PhaseSamples {
  private final String peer;
  private final String metric;
  private long[] nanos;
  private int count;
  private long wallStart;
  private long wallNanos;

  public PhaseSamples(String peer, String metric, int capacity) {
    this.peer = peer;
    this.metric = metric;
    this.nanos = new long[capacity];
  }

  public void start() {
    wallStart = System.nanoTime();
  }

  /** Adds a sample; the capacity given is a first size, grown when a timed phase takes more. */
  public void add(long elapsedNanos) {
    if (count == nanos.length) {
      nanos = Arrays.copyOf(nanos, Math.max(16, count * 2));
    }
    nanos[count++] = elapsedNanos;
  }

  public int count() {
    return count;
  }

  public void stop() {
    wallNanos = System.nanoTime() - wallStart;
  }

  private double rankMs(long[] sorted, double q) {
    int rank = (int) Math.ceil(count * q);
    return sorted[Math.max(1, rank) - 1] / 1e6;
  }

  /** One lib.sh-style human line. */
  public String line() {
    long[] s = Arrays.copyOf(nanos, count);
    Arrays.sort(s);
    double total = wallNanos / 1e9;
    return String.format(Locale.ROOT, "[%s] %-28s n=%-4d median=%8.3f ms  p95=%8.3f ms  p99=%8.3f ms  mean=%8.3f  "
        + "min=%8.3f  max=%8.3f  total=%7.3f s  rate=%8.2f /s", peer, metric, count, rankMs(s, 0.5), rankMs(s, 0.95),
        rankMs(s, 0.99), mean(s), s[0] / 1e6, s[count - 1] / 1e6, total, count / total);
  }

  /** One lib.sh-style JSON record. */
  public String json(String host, String timestamp) {
    long[] s = Arrays.copyOf(nanos, count);
    Arrays.sort(s);
    double total = wallNanos / 1e9;
    return String.format(Locale.ROOT, "{\"peer\":\"%s\",\"metric\":\"%s\",\"n\":%d,\"median_ms\":%.3f,\"p95_ms\":%.3f,"
        + "\"p99_ms\":%.3f,\"mean_ms\":%.3f,\"min_ms\":%.3f,\"max_ms\":%.3f,\"total_s\":%.6f,\"per_s\":%.2f,"
        + "\"host\":\"%s\",\"ts\":\"%s\"}", peer, metric, count, rankMs(s, 0.5), rankMs(s, 0.95), rankMs(s, 0.99),
        mean(s), s[0] / 1e6, s[count - 1] / 1e6, total, count / total, host, timestamp);
  }

  private double mean(long[] s) {
    return Arrays.stream(s).average().orElse(0) / 1e6;
  }
}
