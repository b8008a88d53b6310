package dev.cnm.agent.dataplane;

import java.util.List;

/** Everything this node must hold: the input of {@link BridgeDataplane#reconcile}. */
public record DesiredState(List<NetworkSpec> networks, List<SandboxSpec> sandboxes, List<EndpointSpec> endpoints) {
  public DesiredState {
    networks = List.copyOf(networks);
    sandboxes = List.copyOf(sandboxes);
    endpoints = List.copyOf(endpoints);
  }

  public static DesiredState empty() {
    return new DesiredState(List.of(), List.of(), List.of());
  }
}
