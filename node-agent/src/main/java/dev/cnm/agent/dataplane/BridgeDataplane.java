package dev.cnm.agent.dataplane;

import java.util.List;
import java.util.Optional;

/**
 * The bridge driver's data half: what the node agent does to the kernel for bridge networks,
 * sandboxes and endpoints. Every operation is idempotent (doing it twice leaves the same state;
 * removing what is absent succeeds), validates its input before any kernel change, and throws
 * {@link dev.cnm.runtime.errors.CnmException} (kernel errors as
 * {@link dev.cnm.agent.netlink.sys.SystemCallException} subclasses). A failed attach is rolled
 * back before the error is returned. Thread-safe; operations are serialised.
 *
 * <p>Ownership: cnm marks every link it creates with the alias {@code cnm:<id>} and keeps its
 * namespaces under {@code <stateDir>/netns}; it never changes or deletes anything else.
 *
 * <p>Costs (see docs/benchmarks.md and docs/benchmarks-history.md): an attach is one veth creation with the peer born inside the
 * sandbox plus a few address/route messages (~1 ms). The fast tear-down is
 * {@link #deleteSandbox}: deleting the namespace takes its endpoints with it. Deleting a veth
 * costs the kernel ~16 ms, so {@link #detachEndpoint} on a live sandbox only takes the sandbox
 * end out of service (down, renamed) and leaves the veth's deletion to a background thread.
 */
public interface BridgeDataplane extends AutoCloseable {

  /** Opens the dataplane: a netlink handle in the host namespace and the namespace directory. */
  static BridgeDataplane open(DataplaneConfig config) {
    return KernelBridgeDataplane.open(config);
  }

  /**
   * Ensures the network's bridge: present, marked, with its MTU and gateway addresses, and up.
   * Fails with FAILED_PRECONDITION if a link of that name exists that cnm does not own.
   *
   * @return true if something was created or repaired
   */
  boolean ensureNetwork(NetworkSpec spec);

  /** Deletes the network's bridge. FAILED_PRECONDITION while endpoints are attached to it. */
  void removeNetwork(String networkId);

  /** Creates (or, after a restart, re-opens) a namespace cnm owns, with loopback up. */
  SandboxState createSandbox(String sandboxId);

  /** Adopts a namespace made by a container runtime; it is configured but never deleted. */
  SandboxState useExternalSandbox(String sandboxId, java.nio.file.Path namespacePath);

  /**
   * Deletes the sandbox. An owned namespace is unmounted and removed, and its endpoints go with
   * it (the fast path). For an external namespace, cnm's endpoints in it are detached and the
   * namespace is only forgotten.
   */
  void deleteSandbox(String sandboxId);

  /** Attaches an endpoint to its sandbox and network; returns what the kernel now holds. */
  EndpointState attachEndpoint(EndpointSpec spec);

  /**
   * Detaches an endpoint; absent is success. On return the endpoint's interface is gone from the
   * sandbox (down and renamed {@code cnmgc<n>}, so its name is free for another endpoint at once)
   * and its veth pair is being deleted in the background (within tens of milliseconds).
   */
  void detachEndpoint(String endpointId);

  /** The endpoint's state if attached. */
  Optional<EndpointState> endpoint(String endpointId);

  /** The sandboxes this dataplane has open. */
  List<SandboxState> sandboxes();

  /**
   * The open namespace of each sandbox, by id: what a sandbox's embedded resolver opens its
   * sockets in. A sandbox whose namespace was made again is a different object.
   */
  java.util.Map<String, dev.cnm.agent.netns.NetNamespace> namespaces();

  /**
   * Converges the kernel to {@code desired}: creates what is missing, repairs what drifted, and
   * removes what cnm owns (marked links, its own namespaces) but is not desired. Objects that
   * fail are reported, and the rest still converge.
   */
  ReconcileReport reconcile(DesiredState desired);

  /**
   * Closes the netlink handles and namespace descriptors; the kernel state stays as it is (veths
   * of detached endpoints not yet deleted are left, marked, to the next {@link #reconcile}).
   */
  @Override
  void close();
}
