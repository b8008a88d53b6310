package dev.cnm.controller.domain;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The compensations of an operation's completed steps, run in reverse when a later step fails
 * (explicit, rather than libnetwork's deferred closures). A compensation that fails is logged and
 * left to reconciliation: an allocation whose owner never reached the store is freed by the
 * controller's next periodic IPAM sweep, a kernel object by the agent's reconcile; the original
 * error stands.
 */
public final class Undo {
  private static final Logger LOG = LoggerFactory.getLogger(Undo.class);
  private final Deque<Runnable> steps = new ArrayDeque<>();

  public void push(Runnable compensation) {
    steps.push(compensation);
  }

  /** Runs every compensation, newest first; then forgets them. */
  public void run() {
    detached(() -> {
      while (!steps.isEmpty()) {
        try {
          steps.pop().run();
        } catch (RuntimeException e) {
          LOG.warn("compensation failed; the next IPAM sweep or agent reconcile cleans up", e);
        }
      }
    });
  }

  /**
   * Runs a compensation outside the caller's cancellation and deadline. Compensations run when a
   * step failed, often because the caller's deadline is about to pass; the store calls they make
   * would inherit that deadline from the gRPC context and be cancelled half-way, leaving the
   * state the operation meant to undo. A forked context keeps the trace but not the deadline.
   */
  public static void detached(Runnable compensation) {
    io.grpc.Context.current().fork().run(compensation);
  }

  /** The operation succeeded: nothing to undo. */
  public void clear() {
    steps.clear();
  }
}
