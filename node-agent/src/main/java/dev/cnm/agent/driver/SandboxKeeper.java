package dev.cnm.agent.driver;

import dev.cnm.api.v1.DesiredState;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * The driver whose dataplane also keeps the node's sandbox namespaces (bridge: its dataplane
 * creates, adopts and deletes them, and reconciles them in one pass with its own networks and
 * endpoints, in dependency order). There is one per agent, and it is applied before every other
 * driver, which attach their endpoints to the sandboxes it holds.
 *
 * <p>Per snapshot the pipeline calls {@link #prepare} first, then (after every other driver's
 * {@link #beforeSandboxes}) {@link #apply} with that same snapshot; the keeper's own
 * {@code beforeSandboxes} is not called, its pass orders its detaches itself.
 */
public interface SandboxKeeper extends NodeDriver {
  /**
   * Translates {@code desired}'s sandboxes and this driver's objects for the {@link #apply} that
   * follows; throws (INVALID_ARGUMENT and the like) for an object that does not translate, which
   * NACKs the whole snapshot before anything changed.
   */
  void prepare(DesiredState desired);

  /**
   * Whether the prepared snapshot is applied by a full reconcile (the first of a session, or the
   * one after a failure) rather than by its difference from the last one applied.
   */
  boolean full();

  /** The sandboxes held now, by id: their namespace paths. */
  Map<String, Path> sandboxes();

  /** The sandboxes held now, by id: their open namespaces (a namespace made again is a new object). */
  Map<String, dev.cnm.agent.netns.NetNamespace> namespaces();

  /**
   * The sandbox ids of the last snapshot applied without failures, when {@link #full} is false:
   * those missing from the prepared snapshot are gone, and so are their files.
   */
  Set<String> lastSandboxIds();

  /** The sandbox ids of the prepared snapshot. */
  Set<String> desiredSandboxIds();

  /**
   * Removes what the keeper kept past its last snapshot and is now due (the bridge driver's
   * lingering bridges), for a node that gets no snapshot; what it removed and what failed.
   */
  dev.cnm.agent.dataplane.ReconcileReport expireLingering();
}
