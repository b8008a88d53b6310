package dev.cnm.agent.driver.bridge;

import dev.cnm.agent.dataplane.DesiredState;
import dev.cnm.agent.dataplane.EndpointSpec;
import dev.cnm.agent.dataplane.NetworkSpec;
import dev.cnm.agent.dataplane.SandboxSpec;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A bridge dataplane state with its objects indexed by id, built once per snapshot and kept with
 * the state last applied, so that diffing two snapshots does not index the old one again.
 * Where an id occurs twice the later object wins, as in the lists' order.
 */
record SpecIndex(DesiredState state, Map<String, NetworkSpec> networks, Map<String, SandboxSpec> sandboxes,
    Map<String, EndpointSpec> endpoints) {

  /** Indexes {@code state}'s objects. */
  static SpecIndex of(DesiredState state) {
    return new SpecIndex(state, index(state.networks(), NetworkSpec::networkId),
        index(state.sandboxes(), SandboxSpec::sandboxId), index(state.endpoints(), EndpointSpec::endpointId));
  }

  private static <T> Map<String, T> index(List<T> items, Function<T, String> key) {
    Map<String, T> m = new HashMap<>(SpecConverter.capacity(items.size()));
    for (T t : items) {
      m.put(key.apply(t), t);
    }
    return m;
  }
}
