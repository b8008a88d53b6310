package dev.cnm.controller.domain.node;

import dev.cnm.api.v1.ObjectStatus;
import java.time.Duration;
import java.util.Map;

/**
 * How domain operations reach the nodes: publish a node's new desired state (computed from the
 * store) and wait until its agent applied it. Implemented by the session layer.
 */
public interface NodeSync {
  /** Computes and sends the node's desired state; returns its version. */
  long publish(String node);

  /**
   * Publishes the node unless the state last sent to it already covers the store's objects of
   * the node up to {@code revision} (e.g. a change this controller made and sent itself).
   */
  default void publishUnlessCovered(String node, long revision) {
    publish(node);
  }

  /**
   * Waits until the node's agent acknowledged {@code version} or a later one; returns the
   * per-object statuses by object id. DEADLINE_EXCEEDED after {@code timeout}; a NACK throws
   * the agent's error (kind FAILED_PRECONDITION, reason AGENT_REJECTED; its metadata names the
   * node and, when an object failed, the first failed object's {@code object_id},
   * {@code object_reason} and {@code object_message}).
   */
  Map<String, ObjectStatus> awaitApplied(String node, long version, Duration timeout);

  /** True while the node's agent holds a session with this controller. */
  boolean isConnected(String node);

  /** The last version the node's agent acknowledged (0 if none). */
  long ackedVersion(String node);
}
