package dev.cnm.agent.driver;

import dev.cnm.agent.dataplane.EndpointState;
import dev.cnm.agent.dataplane.ReconcileReport;
import dev.cnm.agent.firewall.FirewallNetwork;
import dev.cnm.agent.firewall.PublishedPort;
import dev.cnm.api.v1.DesiredState;
import dev.cnm.runtime.errors.CnmException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A driver's data half: how the agent realises the networks of one driver (those whose
 * {@code NodeNetwork.driver} is {@link #name()}) and their endpoints in the node's kernel. The
 * counterpart of the controller's {@code NetworkDriver}, with the same name. A new driver
 * implements this in a package of its own and is added to the {@link DriverRegistry} where the
 * agent is wired; the apply pipeline does not change.
 *
 * <p>Every snapshot is the node's whole desired state: a driver picks its own networks and their
 * endpoints out of it and converges them (level-triggered; the first snapshot of a session by a
 * full reconcile). For each snapshot the pipeline calls {@link #beforeSandboxes} on every driver
 * but the {@link SandboxKeeper}, then applies the keeper (sandboxes and its own part), then
 * {@link #apply} on every other driver with the sandboxes in place, then programs the firewall
 * with what the drivers report. Drivers without a dataplane ({@link #hasDataplane}) are skipped.
 * Failures are returned per object, keyed {@code "network/ID"} or {@code "endpoint/ID"}; the rest
 * still converges. Called from the session's one thread, one snapshot at a time.
 */
public interface NodeDriver extends AutoCloseable {
  /** The driver's name, as in {@code NodeNetwork.driver} and the agent's registered capabilities. */
  String name();

  /**
   * Whether the driver programs the kernel at all: null and host networks give their endpoints no
   * interface, so the pipeline skips such a driver in every step.
   */
  default boolean hasDataplane() {
    return true;
  }

  /** A new session began: its first snapshot must be applied by a full reconcile. */
  default void sessionStarted() {}

  /**
   * Before the sandboxes change: lets go of what {@code desired} takes away from sandboxes (an
   * endpoint that leaves, or whose sandbox goes), so that nothing of this driver holds a sandbox
   * namespace that is about to be deleted. Returns the failures.
   */
  default Map<String, CnmException> beforeSandboxes(DesiredState desired) {
    return Map.of();
  }

  /**
   * Converges this driver's networks and endpoints to {@code desired}; the sandboxes it names are
   * in place, with their namespace paths in {@code sandboxes} (by sandbox id).
   */
  ReconcileReport apply(DesiredState desired, Map<String, Path> sandboxes);

  /** The endpoint's interface if this driver attached it. */
  default Optional<EndpointState> endpoint(String endpointId) {
    return Optional.empty();
  }

  /** The networks the firewall must know (masquerade, isolation), as of the last snapshot. */
  default List<FirewallNetwork> firewallNetworks() {
    return List.of();
  }

  /** The host ports this driver's endpoints publish, as of the last snapshot. */
  default List<PublishedPort> publishedPorts() {
    return List.of();
  }

  /** Closes what the driver opened (sockets, descriptors); the kernel state stays as it is. */
  @Override
  default void close() {}
}
