package dev.cnm.controller.domain;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The compensations of an operation's completed steps, run in reverse when a later step fails
 * (explicit, rather than libnetwork's deferred closures). A compensation that fails is logged and
 * left to reconciliation: an allocation whose owner never reached the store is freed by the
 * controller's next periodic IPAM sweep, a kernel object by the agent's reconcile; the original
 * error stands.
 */
final class Undo {
  private static final Logger LOG = Logger.getLogger(Undo.class.getName());
  private final Deque<Runnable> steps = new ArrayDeque<>();

  void push(Runnable compensation) {
    steps.push(compensation);
  }

  /** Runs every compensation, newest first; then forgets them. */
  void run() {
    while (!steps.isEmpty()) {
      try {
        steps.pop().run();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "compensation failed; the next IPAM sweep or agent reconcile cleans up", e);
      }
    }
  }

  /** The operation succeeded: nothing to undo. */
  void clear() {
    steps.clear();
  }
}
