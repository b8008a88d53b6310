package dev.cnm.ipam.service;

import dev.cnm.api.v1.ErrorReason;
import dev.cnm.ipam.domain.AllocationKind;
import dev.cnm.ipam.domain.OrdinalMap;
import dev.cnm.ipam.store.pb.PoolValue;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One change a {@link PoolWorker} applies to its bitmap within a batch. A result computed on
 * possibly stale cached state that says "no" (exhausted, not allocated, taken) is marked
 * {@code stale}: the worker then reloads everything and applies the batch once more before
 * believing it. An op that needs a busy block (one whose last change is still being written)
 * is marked {@code deferred} and left for a later batch.
 */
abstract class WorkerOp {
  /** Checks the pool record (null for id sets or a deleted pool): an error, or null if fine. */
  interface Scope extends Function<PoolValue, CnmException> { }

  final CompletableFuture<Object> future = new CompletableFuture<>();
  final Scope scope;
  Object value;
  CnmException error;
  boolean stale;
  boolean deferred;
  /** Transactions this op was part of that lost a race with another replica. */
  int conflicts;

  WorkerOp(Scope scope) {
    this.scope = scope;
  }

  final void run(PoolWorker worker) {
    value = null;
    error = null;
    stale = false;
    deferred = false;
    if (scope != null) {
      CnmException problem = scope.apply(worker.record());
      if (problem != null) {
        fail(problem);
        return;
      }
    }
    apply(worker.map());
  }

  abstract void apply(OrdinalMap map);

  final void fail(CnmException e) {
    error = e;
    stale = true;
  }

  final void complete() {
    if (error != null) {
      future.completeExceptionally(error);
    } else {
      future.complete(value);
    }
  }

  /** Allocates a given ordinal or the next free one of [first, last]. */
  static final class Allocate extends WorkerOp {
    private final long first;
    private final long last;
    private final long preferred;
    private final boolean serial;
    private final AllocationKind kind;
    private final String owner;
    private final String mac;
    private final Function<Long, CnmException> taken;
    /** Made only when needed: an exception's stack trace costs more than the allocation itself. */
    private final Supplier<CnmException> exhausted;

    /** @param mac recorded with the allocation (addresses only), or null */
    Allocate(Scope scope, long first, long last, long preferred, boolean serial, AllocationKind kind,
        String owner, String mac, Function<Long, CnmException> taken, Supplier<CnmException> exhausted) {
      super(scope);
      this.first = first;
      this.last = last;
      this.preferred = preferred;
      this.serial = serial;
      this.kind = kind;
      this.owner = owner;
      this.mac = mac;
      this.taken = taken;
      this.exhausted = exhausted;
    }

    @Override
    void apply(OrdinalMap map) {
      if (preferred != OrdinalMap.NONE) {
        if (map.busy(preferred)) {
          deferred = true;
        } else if (map.allocate(preferred, owner, kind, mac)) {
          value = preferred;
        } else {
          fail(taken.apply(preferred));
        }
        return;
      }
      boolean lowest = kind != AllocationKind.ENDPOINT;
      if (lowest && map.anyBusy()) {
        // gateways and aux addresses take the lowest free address: wait until nothing is in flight
        deferred = true;
        return;
      }
      long ordinal = map.allocateNext(first, last, serial, lowest, owner, kind, mac);
      if (ordinal == OrdinalMap.NONE && map.skippedBusy()) {
        deferred = true;
      } else if (ordinal == OrdinalMap.NONE) {
        fail(exhausted.get());
      } else {
        value = ordinal;
      }
    }
  }

  /** Releases an allocated ordinal, optionally only if {@code expectedOwner} holds it. */
  static final class Release extends WorkerOp {
    private final long ordinal;
    private final String expectedOwner;
    private final String what;

    Release(Scope scope, long ordinal, String expectedOwner, String what) {
      super(scope);
      this.ordinal = ordinal;
      this.expectedOwner = expectedOwner;
      this.what = what;
    }

    @Override
    void apply(OrdinalMap map) {
      if (map.busy(ordinal)) {
        deferred = true;
        return;
      }
      String owner = map.ownerOf(ordinal);
      if (owner == null) {
        fail(new CnmException(ErrorKind.NOT_FOUND, ErrorReason.NOT_ALLOCATED, what + " is not allocated",
            Map.of("resource", what), null));
      } else if (expectedOwner != null && !expectedOwner.isEmpty() && !expectedOwner.equals(owner)) {
        fail(new CnmException(ErrorKind.FAILED_PRECONDITION, ErrorReason.OWNER_MISMATCH,
            "owner: " + what + " is held by " + owner + ", not " + expectedOwner,
            Map.of("field", "owner", "holder", owner), null));
      } else {
        map.release(ordinal);
        value = owner;
      }
    }
  }

  /** Frees an ordinal if {@code owner} still holds it (a sweep); never an error. */
  static final class Sweep extends WorkerOp {
    private final long ordinal;
    private final String owner;

    Sweep(long ordinal, String owner) {
      super(null);
      this.ordinal = ordinal;
      this.owner = owner;
    }

    @Override
    void apply(OrdinalMap map) {
      if (map.busy(ordinal)) {
        deferred = true;
        return;
      }
      boolean held = owner.equals(map.ownerOf(ordinal));
      if (held) {
        map.release(ordinal);
      }
      value = held;
      // "not held" may come from a stale cache: have the worker check with fresh state
      stale = !held;
    }
  }
}
