package dev.cnm.controller.sweep;

import dev.cnm.api.v1.ErrorReason;
import com.google.protobuf.StringValue;
import dev.cnm.controller.domain.repository.Commit;
import dev.cnm.controller.domain.repository.ObjectRepository;
import dev.cnm.controller.domain.repository.StoreKeys;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.store.client.KvObject;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Keeps the IPAM sweep from freeing what a create has allocated but not committed yet.
 *
 * <p>A create allocates in IPAM first and writes its record to the store after; in between its
 * owner id is in no store listing, so a sweep running then would take the allocation for a
 * leak. IPAM records no time per allocation (only an owner per ordinal, and a store revision per
 * block of 256), so a grace period ("free only what is older than the longest create") would
 * rest on a bound no create promises. Instead the sweep and the creates meet in the store:
 * <ul>
 *   <li>the sweep starts by rewriting {@link StoreKeys#IPAM_SWEEP_EPOCH} and writing the leased
 *       {@link StoreKeys#IPAM_SWEEP_RUNNING} in one Txn, reads the live owners after that, calls
 *       IPAM, and deletes the running key once IPAM answered;</li>
 *   <li>a create, before its first allocation, waits while a sweep runs and takes the epoch's
 *       revision as its ticket ({@link #enter}); its commit Txn requires the epoch unchanged
 *       ({@link #guard}).</li>
 * </ul>
 * A create that committed before the sweep's start is live in the sweep's read. One whose commit
 * comes after the start holds an older ticket (it allocated before the start: it did not wait),
 * so its commit fails, and it undoes its allocations and retries ({@link #moved}). The epoch is
 * read before the running key, so a sweep that starts between the two reads is seen either as
 * running or as a newer epoch. Reading both from the watch-fed cache is safe: a stale epoch only
 * makes the commit fail. A sweeper that dies mid-sweep leaves the running key until its lease
 * ends (15 s): IPAM does not stop a Sweep whose caller went away, so this holds as long as a
 * Sweep call ends within the lease's ttl (its deadline is 10 s).
 */
public final class SweepGate {
  /** How long a create waits for a running sweep before giving up with UNAVAILABLE. */
  static final Duration MAX_WAIT = Duration.ofSeconds(30);
  private static final long POLL_MILLIS = 20;
  private final ObjectRepository repo;

  public SweepGate(ObjectRepository repo) {
    this.repo = repo;
  }

  /** Waits until no sweep runs; returns the ticket to pass to {@link #guard} and {@link #moved}. */
  public long enter() {
    long deadline = System.nanoTime() + MAX_WAIT.toNanos();
    boolean fresh = false;
    while (true) {
      long epoch = read(StoreKeys.IPAM_SWEEP_EPOCH, fresh).map(KvObject::modRevision).orElse(0L);
      if (read(StoreKeys.IPAM_SWEEP_RUNNING, fresh).isEmpty()) {
        return epoch;
      }
      if (System.nanoTime() > deadline) {
        throw new CnmException(ErrorKind.UNAVAILABLE, ErrorReason.IPAM_SWEEP_RUNNING,
            "an IPAM sweep has been running for " + MAX_WAIT.toSeconds() + " s; retry", Map.of(), null);
      }
      fresh = true; // the cache said running: poll the store until it ends
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw CnmException.unavailable("interrupted while an IPAM sweep ran", e);
      }
    }
  }

  /** Adds the commit's guard: no sweep started since {@link #enter} returned {@code ticket}. */
  public Commit guard(Commit commit, long ticket) {
    return commit.requireRevision(StoreKeys.IPAM_SWEEP_EPOCH, ticket);
  }

  /** After a failed commit: whether a sweep started since {@code ticket} (the guard failed). */
  public boolean moved(long ticket) {
    return read(StoreKeys.IPAM_SWEEP_EPOCH, true).map(KvObject::modRevision).orElse(0L) != ticket;
  }

  /**
   * Thrown by a create whose commit a sweep's start failed; its allocations are undone by the
   * time it reaches the caller, which allocates again.
   */
  public static final class Raced extends RuntimeException {
    /** Retries after the first attempt: each needs a new sweep to start within one create. */
    public static final int MAX_RETRIES = 3;

    public Raced() {
      super(null, null, false, false);
    }

    /** The error once the retries are spent. */
    public CnmException error(String what) {
      return new CnmException(ErrorKind.ABORTED, ErrorReason.IPAM_SWEEP_RACE, "IPAM sweeps started during "
          + (MAX_RETRIES + 1) + " attempts to create the " + what + "; retry", Map.of(), null);
    }
  }

  private Optional<KvObject<StringValue>> read(String key, boolean fresh) {
    return repo.ipamSweepKey(key, fresh);
  }
}
