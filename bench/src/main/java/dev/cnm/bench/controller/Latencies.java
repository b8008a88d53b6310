package dev.cnm.bench.controller;

import java.util.Arrays;
import java.util.Locale;

/** One phase's latencies, summarised as ../shared/peers/lib.sh does (nearest rank; rate = n / wall time). */
final class Latencies {
  private final String peer;
  private final String metric;
  private final long[] nanos;
  private int count;
  private long wallStart;
  private long wallNanos;

  Latencies(String peer, String metric, int capacity) {
    this.peer = peer;
    this.metric = metric;
    this.nanos = new long[capacity];
  }

  void start() {
    wallStart = System.nanoTime();
  }

  void add(long elapsedNanos) {
    nanos[count++] = elapsedNanos;
  }

  void stop() {
    wallNanos = System.nanoTime() - wallStart;
  }

  private double rankMs(long[] sorted, double q) {
    return sorted[Math.max(1, (int) Math.ceil(count * q)) - 1] / 1e6;
  }

  String line() {
    long[] s = Arrays.copyOf(nanos, count);
    Arrays.sort(s);
    double total = wallNanos / 1e9;
    return String.format(Locale.ROOT, "[%s] %-20s n=%-4d median=%8.3f ms  p95=%8.3f ms  p99=%8.3f ms  min=%8.3f  "
        + "max=%8.3f  total=%7.3f s  rate=%8.2f /s", peer, metric, count, rankMs(s, 0.5), rankMs(s, 0.95),
        rankMs(s, 0.99), s[0] / 1e6, s[count - 1] / 1e6, total, count / total);
  }

  String json(String host, String timestamp) {
    long[] s = Arrays.copyOf(nanos, count);
    Arrays.sort(s);
    double total = wallNanos / 1e9;
    return String.format(Locale.ROOT, "{\"peer\":\"%s\",\"metric\":\"%s\",\"n\":%d,\"median_ms\":%.3f,\"p95_ms\":%.3f,"
        + "\"p99_ms\":%.3f,\"min_ms\":%.3f,\"max_ms\":%.3f,\"total_s\":%.6f,\"per_s\":%.2f,\"host\":\"%s\",\"ts\":\"%s\"}",
        peer, metric, count, rankMs(s, 0.5), rankMs(s, 0.95), rankMs(s, 0.99), s[0] / 1e6, s[count - 1] / 1e6, total,
        count / total, host, timestamp);
  }
}
