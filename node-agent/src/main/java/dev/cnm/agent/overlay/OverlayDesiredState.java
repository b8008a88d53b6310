package dev.cnm.agent.overlay;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every overlay object this node must hold: the input of {@link OverlayDataplane#reconcile}.
 *
 * @param networks the overlay networks with endpoints on this node
 * @param endpoints the local endpoints of those networks
 * @param peers per network id, its remote endpoints (a missing network means no peers)
 */
public record OverlayDesiredState(List<OverlayNetworkSpec> networks, List<OverlayEndpointSpec> endpoints,
    Map<String, Set<Peer>> peers) {
  public OverlayDesiredState {
    networks = List.copyOf(networks);
    endpoints = List.copyOf(endpoints);
    Map<String, Set<Peer>> copy = new HashMap<>();
    peers.forEach((k, v) -> copy.put(k, Set.copyOf(v)));
    peers = Map.copyOf(copy);
  }

  public static OverlayDesiredState empty() {
    return new OverlayDesiredState(List.of(), List.of(), Map.of());
  }
}
