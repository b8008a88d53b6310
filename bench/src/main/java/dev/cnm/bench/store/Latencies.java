package dev.cnm.bench.store;

import java.util.Arrays;

/** Latency samples of one benchmark cell (nanoseconds), with percentiles. Not thread-safe: one per client. */
final class Latencies {
  private long[] samples = new long[1 << 16];
  private int size;

  void add(long nanos) {
    if (size == samples.length) {
      samples = Arrays.copyOf(samples, size * 2);
    }
    samples[size++] = nanos;
  }

  int count() {
    return size;
  }

  static Latencies merge(Iterable<Latencies> parts) {
    Latencies all = new Latencies();
    for (Latencies p : parts) {
      for (int i = 0; i < p.size; i++) {
        all.add(p.samples[i]);
      }
    }
    Arrays.sort(all.samples, 0, all.size);
    return all;
  }

  /** The q-quantile in milliseconds (call on a merged, sorted instance). */
  double percentileMillis(double q) {
    if (size == 0) {
      return Double.NaN;
    }
    int i = Math.min(size - 1, (int) Math.ceil(q * size) - 1);
    return samples[Math.max(0, i)] / 1e6;
  }
}
