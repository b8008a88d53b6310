package dev.cnm.controller.domain;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The compensations of an operation's completed steps, run in reverse when a later step fails
 * (explicit, rather than libnetwork's deferred closures). A compensation that fails is logged and
 * left to reconciliation (the IPAM sweep, the agent's reconcile); the original error stands.
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
        LOG.log(Level.WARNING, "compensation failed; reconciliation will clean up", e);
      }
    }
  }

  /** The operation succeeded: nothing to undo. */
  void clear() {
    steps.clear();
  }
}
