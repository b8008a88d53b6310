package dev.cnm.agent.session;

import dev.cnm.api.v1.DesiredState;
import dev.cnm.api.v1.ObjectStatus;
import java.util.List;

/**
 * Makes the node's kernel match one complete desired state (level-triggered: create what is
 * missing, remove what the agent owns but is not desired). Called by {@link AgentSession} one
 * snapshot at a time, never concurrently.
 */
public interface SnapshotApplier {
  /**
   * Applies {@code desired}. Returns one status per object; an object whose status carries an
   * error makes the snapshot a NACK. Throwing is a NACK of the whole snapshot.
   */
  List<ObjectStatus> apply(DesiredState desired);

  /** A new session began: its first snapshot must be applied by a full reconcile. */
  default void sessionStarted() {}

  /**
   * Work that comes due with time rather than with a snapshot (a lingering bridge's expiry),
   * called every {@link AgentSession#IDLE_TICK} on the same thread as {@link #apply}, so a node
   * that gets no snapshot still does it.
   */
  default void idle() {}
}
