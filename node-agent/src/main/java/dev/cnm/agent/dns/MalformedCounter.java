package dev.cnm.agent.dns;

import java.util.concurrent.atomic.AtomicLong;

/** Counts the packets a resolver dropped or refused as malformed (for tests and metrics). */
final class MalformedCounter {
  private final AtomicLong count = new AtomicLong();

  void increment() {
    count.incrementAndGet();
  }

  long get() {
    return count.get();
  }
}
