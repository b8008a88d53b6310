package dev.cnm.controller.domain.repository;

import dev.cnm.runtime.errors.CnmException;
import dev.cnm.store.client.StoreClientMetrics;
import dev.cnm.store.client.StoreConflictException;
import java.util.Optional;

/**
 * The one retry policy of the controller's read-then-write operations. The first attempt reads
 * the cached view (memory, no store round trip); what it writes is guarded by the revisions it
 * read, so a stale copy can only make its Txn fail, never write over something newer. Every later
 * attempt reads the store. An attempt is repeated, up to {@link #ATTEMPTS} in all, when
 * <ul>
 *   <li>its Txn lost a race ({@link StoreConflictException}), on either view;</li>
 *   <li>it ran on the cached view and failed with a domain error (not found, already exists, not
 *       joined, ...): the store's copy decides what the caller sees;</li>
 *   <li>it ran on the cached view and returned empty: its copy cannot decide (e.g. it misses an
 *       object the one it read refers to).</li>
 * </ul>
 * A domain error on the store's copy goes to the caller; so does the last conflict once the
 * attempts are spent. No back-off: a conflict means another write committed, so the next read
 * already sees it. Each attempt repeated after a conflict counts on
 * {@code cnm.store.client.txn.retries}.
 */
public final class CachedThenFresh {
  /** The most attempts one operation makes: one on the cached view, the rest on the store's copy. */
  public static final int ATTEMPTS = 8;

  private CachedThenFresh() {}

  /** One try of an operation. */
  @FunctionalInterface
  public interface Attempt<T> {
    /**
     * Reads from {@code view}, writes with a guarded {@link Commit}, returns the result; empty
     * when the cached view cannot decide (an attempt on the store's copy must not return empty).
     */
    Optional<T> run(ObjectRepository view);
  }

  /** Runs {@code attempt} on {@code repo}'s cached view, then on its fresh view as the rules above say. */
  public static <T> T run(ObjectRepository repo, Attempt<T> attempt) {
    StoreConflictException lost = null;
    for (int i = 0; i < ATTEMPTS; i++) {
      ObjectRepository view = i == 0 ? repo.cached() : repo.fresh();
      try {
        Optional<T> done = attempt.run(view);
        if (done.isPresent()) {
          return done.get();
        }
        if (!view.isCached()) {
          throw new IllegalStateException("an attempt on the store's copy left the operation undecided");
        }
      } catch (StoreConflictException e) {
        lost = e;
        if (i + 1 < ATTEMPTS) {
          StoreClientMetrics.retry();
        }
      } catch (CnmException e) {
        if (!view.isCached()) {
          throw e;
        }
      }
    }
    throw lost;
  }
}
