package dev.cnm.agent.overlay;

import dev.cnm.agent.dataplane.EndpointState;
import dev.cnm.agent.dataplane.ReconcileReport;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The overlay driver's data half: what the node agent does to the kernel for VXLAN overlay
 * networks. Each network gets a network namespace of its own ({@code <stateDir>/overlay/netns/<id>})
 * holding a bridge {@code br0} (with the gateway addresses) and a VXLAN device {@code vxlan0}
 * (learning off, ARP/ND proxy on, local = the node's advertise address), both marked
 * {@code cnm:<network-id>}; so two overlays with the same subnet coexist on one node. The VXLAN
 * device is born inside that namespace while its UDP socket stays in the underlay namespace.
 * Sandboxes' veths are ports of the bridge. Remote endpoints are static FDB and neighbour entries
 * ({@link #setPeers}): no multicast, no learning, no flooding.
 *
 * <p>Every operation is idempotent, validates its input before any kernel change, and throws
 * {@link dev.cnm.runtime.errors.CnmException}. Thread-safe; operations are serialised.
 *
 * <p>Typical use by the agent session, for each overlay network with endpoints on the node:
 * {@code ensureNetwork}, then {@code attachEndpoint} for its local endpoints, then
 * {@code setPeers} with its remote endpoints — or all of it at once with {@link #reconcile}.
 */
public interface OverlayDataplane extends AutoCloseable {

  /** Opens the dataplane: netlink sockets in the underlay namespace and the overlay namespace directory. */
  static OverlayDataplane open(OverlayConfig config) {
    return KernelOverlayDataplane.open(config);
  }

  /**
   * Ensures the network's namespace, bridge (MTU, gateway addresses, up) and VXLAN device (VNI,
   * local address, port, MTU, a port of the bridge, up). A VXLAN device that differs — or one of
   * ours left from a crash that holds the VNI elsewhere — is deleted and re-created, never a
   * "file exists" failure. Checked first, with nothing changed on failure: the local address is
   * on this node (FAILED_PRECONDITION ADVERTISE_ADDRESS_NOT_LOCAL), the MTU in effect leaves at
   * least 1280 for an IPv6 network (INVALID_ARGUMENT MTU_TOO_SMALL_FOR_IPV6), the VNI is not
   * used by another network on this node or by a device that is not cnm's (FAILED_PRECONDITION VNI_IN_USE).
   */
  OverlayNetworkState ensureNetwork(OverlayNetworkSpec spec);

  /**
   * Deletes the network's VXLAN device (at once, so its VNI and port are free again) and its
   * namespace. FAILED_PRECONDITION while endpoints are attached. Absent is success.
   */
  void removeNetwork(String networkId);

  /**
   * Attaches an endpoint: a veth whose host end is a port of the network's bridge and whose
   * other end is born in the sandbox's namespace with its name, MAC, MTU and addresses, up, with
   * a default route via the network's gateway unless the network is internal or the sandbox
   * already has a default route. A failed attach is rolled back.
   */
  EndpointState attachEndpoint(OverlayEndpointSpec spec);

  /**
   * Detaches an endpoint (deletes its veth pair). Absent is success. The dataplane keeps the
   * sandbox's namespace open while it has endpoints there, so detach them (or reconcile) when a
   * sandbox goes: an open descriptor keeps a deleted namespace, and its veths, alive.
   */
  void detachEndpoint(String endpointId);

  /** The endpoint's state if attached. */
  Optional<EndpointState> endpoint(String endpointId);

  /**
   * Makes the network's VXLAN device hold exactly {@code peers}: static FDB entries (MAC →
   * remote node, self, permanent) and permanent neighbour entries (IP → MAC). Writes only what
   * differs and removes what is gone. The whole set is validated first (same underlay family,
   * inside the network's subnets, one MAC per IP and one node per MAC).
   */
  PeerChanges setPeers(String networkId, Set<Peer> peers);

  /** The networks this dataplane holds. */
  List<OverlayNetworkState> networks();

  /**
   * Converges to {@code desired}: detaches endpoints and removes networks (namespaces included,
   * also ones a previous agent run left) that are not desired, ensures the desired networks,
   * attaches their endpoints and sets their peers. Failures are reported per object
   * ("network/ID", "endpoint/ID", "peers/ID") and the rest still converges.
   */
  ReconcileReport reconcile(OverlayDesiredState desired);

  /** Closes the sockets and descriptors; the kernel state stays as it is. */
  @Override
  void close();
}
