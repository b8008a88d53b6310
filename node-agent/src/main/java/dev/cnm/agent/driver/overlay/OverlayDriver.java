package dev.cnm.agent.driver.overlay;

import dev.cnm.agent.dataplane.EndpointState;
import dev.cnm.agent.dataplane.ReconcileReport;
import dev.cnm.agent.driver.NodeDriver;
import dev.cnm.agent.firewall.FirewallNetwork;
import dev.cnm.agent.gateway.GatewayBridge;
import dev.cnm.agent.gateway.GatewayBridgeConfig;
import dev.cnm.agent.overlay.OverlayConfig;
import dev.cnm.agent.overlay.OverlayDataplane;
import dev.cnm.agent.overlay.OverlayEndpointSpec;
import dev.cnm.agent.overlay.OverlayNetworkSpec;
import dev.cnm.agent.overlay.Peer;
import dev.cnm.agent.overlay.PeerChanges;
import dev.cnm.api.v1.DesiredState;
import dev.cnm.api.v1.ErrorReason;
import dev.cnm.api.v1.NodeEndpoint;
import dev.cnm.api.v1.NodeNetwork;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The overlay driver's data half: realises the overlay networks of each snapshot with the
 * {@link OverlayDataplane}. The first snapshot of a session, and the one after any failure, is a
 * full reconcile (which also removes overlay namespaces a previous agent run left); later ones
 * apply only the difference from the last state applied: new or changed networks are ensured,
 * gone endpoints detached, new ones attached, and {@code setPeers} is called only for networks
 * whose peer set changed — a peer joining elsewhere then costs one FDB and one neighbour write
 * here, not a pass over every network. Sandboxes with an endpoint of a non-internal overlay
 * network are connected to the node's {@link GatewayBridge} for egress.
 *
 * <p>Called in two steps around the sandbox keeper, which owns the sandbox namespaces:
 * {@link #beforeSandboxes} before it (so an endpoint leaves before its sandbox's namespace is
 * deleted), {@link #apply} after it (so new sandboxes exist before endpoints are attached in them).
 * Used from the session's one thread.
 */
public final class OverlayDriver implements NodeDriver {
  /** The name of the driver, as the controller's overlay driver sends it. */
  public static final String NAME = "overlay";
  private final OverlayDataplane overlay;
  private final InetAddress localAddress;
  /** Egress for overlay sandboxes; null for none. */
  private final GatewayBridge gateway;
  /** The last snapshot applied without kernel failures; null forces a full reconcile. */
  private OverlaySnapshot last;
  private final Map<String, PeerChanges> lastPeerChanges = new HashMap<>();
  private boolean lastWasFull;

  /**
   * @param localAddress the node's advertise address (null: overlay networks are reported as failing)
   * @param gateway the gateway bridge giving sandboxes of non-internal overlay networks their way
   *     out (and their default route); null for none, the overlay's own gateway is then the default route
   */
  public OverlayDriver(OverlayDataplane overlay, InetAddress localAddress, GatewayBridge gateway) {
    this.overlay = overlay;
    this.localAddress = localAddress;
    this.gateway = gateway;
  }

  /**
   * Opens the overlay dataplane under {@code stateDir} and the gateway bridge {@code gwbridge},
   * which the driver then owns ({@link #close}); nothing stays open if either fails.
   *
   * @param underlay the node's advertise address, which other nodes send VXLAN to
   */
  public static OverlayDriver open(Path stateDir, InetAddress underlay, GatewayBridgeConfig gwbridge) {
    OverlayDataplane overlay = OverlayDataplane.open(OverlayConfig.of(stateDir));
    try {
      return new OverlayDriver(overlay, underlay, GatewayBridge.open(gwbridge));
    } catch (RuntimeException e) {
      overlay.close();
      throw e;
    }
  }

  /** Closes the overlay dataplane and the gateway bridge; the kernel state stays (a restarted agent adopts it). */
  @Override
  public void close() {
    overlay.close();
    if (gateway != null) {
      gateway.close();
    }
  }

  /**
   * Why an overlay network fails on an agent left without this driver: it had no advertise
   * address other nodes can send VXLAN to.
   */
  public static CnmException notSupported(NodeNetwork n) {
    return CnmException.failedPrecondition(ErrorReason.DRIVER_NOT_SUPPORTED, "overlay network " + n.getName()
        + ": this agent runs without the overlay capability (start it with " + AdvertiseAddress.FLAG
        + " set to a non-loopback address of this node that other nodes reach)");
  }

  @Override
  public String name() {
    return NAME;
  }

  /** The gateway bridge as the firewall must know it (masquerade), if there is one. */
  @Override
  public List<FirewallNetwork> firewallNetworks() {
    return gateway == null ? List.of() : List.of(gateway.firewallNetwork());
  }

  /** A new session began: its first snapshot is applied by a full reconcile. */
  @Override
  public void sessionStarted() {
    last = null;
  }

  /**
   * Before the sandboxes change: detaches the overlay endpoints that {@code next} drops or moves
   * to another sandbox, so none is left holding a sandbox namespace the bridge dataplane deletes.
   */
  @Override
  public Map<String, CnmException> beforeSandboxes(DesiredState next) {
    Map<String, CnmException> failed = new LinkedHashMap<>();
    if (last == null) {
      return failed; // the full reconcile that follows detaches whatever is not desired
    }
    Map<String, NodeEndpoint> wanted = new HashMap<>();
    next.getEndpointsList().forEach(e -> wanted.put(e.getId(), e));
    Set<String> sandboxes = new HashSet<>();
    next.getSandboxesList().forEach(s -> sandboxes.add(s.getId()));
    for (OverlayEndpointSpec e : last.endpoints.values()) {
      NodeEndpoint now = wanted.get(e.endpointId());
      if (now == null || !now.getSandboxId().equals(e.sandboxId()) || !sandboxes.contains(e.sandboxId())) {
        run(failed, "endpoint/" + e.endpointId(), () -> overlay.detachEndpoint(e.endpointId()));
      }
    }
    if (!failed.isEmpty()) {
      last = null;
    }
    return failed;
  }

  /**
   * Applies the overlay part of {@code desired}; the sandboxes it names are already in
   * {@code sandboxPaths}. Reports the failures keyed "network/ID" and "endpoint/ID".
   */
  @Override
  public ReconcileReport apply(DesiredState desired, Map<String, Path> sandboxPaths) {
    OverlaySnapshot next = OverlaySnapshot.of(desired, localAddress, gateway != null, sandboxPaths);
    Map<String, CnmException> failed = new LinkedHashMap<>();
    lastPeerChanges.clear();
    if (last == null) {
      lastWasFull = true;
      ReconcileReport r = overlay.reconcile(next.desired());
      r.failed().forEach((key, e) -> failed.put(key.startsWith("peers/") ? "network/" + key.substring(6) : key, e));
    } else {
      lastWasFull = false;
      incremental(last, next, failed);
    }
    if (gateway != null) {
      failed.putAll(gateway.converge(egress(next, failed), lastWasFull));
    }
    last = failed.isEmpty() ? next : null;
    failed.putAll(next.failed);
    return new ReconcileReport(List.of(), List.of(), List.of(), failed);
  }

  private void incremental(OverlaySnapshot old, OverlaySnapshot next, Map<String, CnmException> failed) {
    Set<String> ensured = new HashSet<>();
    for (OverlayNetworkSpec n : next.networks.values()) {
      if (!n.equals(old.networks.get(n.networkId()))) {
        if (run(failed, "network/" + n.networkId(), () -> overlay.ensureNetwork(n))) {
          ensured.add(n.networkId());
        }
      }
    }
    for (OverlayEndpointSpec e : old.endpoints.values()) {
      if (!e.equals(next.endpoints.get(e.endpointId()))) {
        run(failed, "endpoint/" + e.endpointId(), () -> overlay.detachEndpoint(e.endpointId()));
      }
    }
    for (OverlayEndpointSpec e : next.endpoints.values()) {
      String key = "endpoint/" + e.endpointId();
      if (failed.containsKey("network/" + e.networkId())) {
        failed.put(key, new CnmException(ErrorKind.FAILED_PRECONDITION, ErrorReason.DEPENDENCY_FAILED, "endpoint "
            + e.endpointId() + ": its overlay network could not be converged", Map.of(), null));
      } else if (!e.equals(old.endpoints.get(e.endpointId())) && !failed.containsKey(key)) {
        run(failed, key, () -> overlay.attachEndpoint(e));
      }
    }
    for (Map.Entry<String, Set<Peer>> p : next.peers.entrySet()) {
      String id = p.getKey();
      if (failed.containsKey("network/" + id)) {
        continue;
      }
      if (ensured.contains(id) || !p.getValue().equals(old.peers.get(id))) {
        run(failed, "network/" + id, () -> lastPeerChanges.put(id, overlay.setPeers(id, p.getValue())));
      }
    }
    for (String id : old.networks.keySet()) {
      if (!next.networks.containsKey(id)) {
        run(failed, "network/" + id, () -> overlay.removeNetwork(id));
      }
    }
  }

  /** The sandboxes with an attached endpoint of a non-internal overlay network, routed out when one is their gateway. */
  private static List<GatewayBridge.Attachment> egress(OverlaySnapshot s, Map<String, CnmException> failed) {
    Map<String, GatewayBridge.Attachment> out = new LinkedHashMap<>();
    for (OverlayEndpointSpec e : s.endpoints.values()) {
      if (!s.egressNetworks.contains(e.networkId()) || failed.containsKey("endpoint/" + e.endpointId())) {
        continue;
      }
      boolean route = s.protoEndpoints.get(e.endpointId()).getDefaultGateway();
      GatewayBridge.Attachment before = out.get(e.sandboxId());
      out.put(e.sandboxId(), new GatewayBridge.Attachment(e.sandboxId(), e.sandboxNamespace(),
          route || (before != null && before.defaultRoute())));
    }
    return List.copyOf(out.values());
  }

  /** The overlay endpoint's state, if attached. */
  @Override
  public Optional<EndpointState> endpoint(String endpointId) {
    return overlay.endpoint(endpointId);
  }

  /** What each setPeers of the last incremental apply wrote (by network id): for tests and logs. */
  Map<String, PeerChanges> lastPeerChanges() {
    return Map.copyOf(lastPeerChanges);
  }

  /** Whether the last apply was a full reconcile. */
  boolean lastWasFull() {
    return lastWasFull;
  }

  private static boolean run(Map<String, CnmException> failed, String key, Runnable op) {
    try {
      op.run();
      return true;
    } catch (CnmException e) {
      failed.put(key, e);
    } catch (RuntimeException e) {
      failed.put(key, CnmException.unavailable(key + ": " + e, e));
    }
    return false;
  }
}
