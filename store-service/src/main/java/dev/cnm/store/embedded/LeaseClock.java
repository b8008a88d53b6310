package dev.cnm.store.embedded;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When each lease expires. Grants and revokes are durable (the lease table); deadlines are kept
 * in memory only, as etcd does: after a restart every lease gets a full ttl again, so a restart
 * never expires a lease whose holder is still alive.
 */
final class LeaseClock {
  private record Deadline(long ttlSeconds, long expiresAtNanos) {}

  private final Map<Long, Deadline> deadlines = new ConcurrentHashMap<>();
  private final Map<Long, Boolean> expiring = new ConcurrentHashMap<>();

  void start(long id, long ttlSeconds) {
    deadlines.put(id, new Deadline(ttlSeconds, System.nanoTime() + ttlSeconds * 1_000_000_000L));
  }

  /** Renews a lease; returns its ttl, or 0 when it does not exist (or is being expired). */
  long renew(long id) {
    if (expiring.containsKey(id)) {
      return 0;
    }
    Deadline d = deadlines.computeIfPresent(id,
        (k, old) -> new Deadline(old.ttlSeconds(), System.nanoTime() + old.ttlSeconds() * 1_000_000_000L));
    return d == null ? 0 : d.ttlSeconds();
  }

  /** Remaining whole seconds (rounded up), empty when unknown. */
  OptionalLong remaining(long id) {
    Deadline d = deadlines.get(id);
    if (d == null) {
      return OptionalLong.empty();
    }
    long left = d.expiresAtNanos() - System.nanoTime();
    return OptionalLong.of(Math.max(0, (left + 999_999_999L) / 1_000_000_000L));
  }

  long granted(long id) {
    Deadline d = deadlines.get(id);
    return d == null ? 0 : d.ttlSeconds();
  }

  boolean exists(long id) {
    return deadlines.containsKey(id);
  }

  /** Leases past their deadline that are not already being expired; marks them as expiring. */
  List<Long> takeExpired() {
    long now = System.nanoTime();
    List<Long> out = new ArrayList<>();
    deadlines.forEach((id, d) -> {
      if (d.expiresAtNanos() - now <= 0 && expiring.putIfAbsent(id, Boolean.TRUE) == null) {
        out.add(id);
      }
    });
    return out;
  }

  void forget(long id) {
    deadlines.remove(id);
    expiring.remove(id);
  }
}
