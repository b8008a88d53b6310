package dev.cnm.agent.overlay;

import dev.cnm.agent.netns.NetNamespace;
import java.nio.file.Path;
import java.util.Objects;

/**
 * How an {@link OverlayDataplane} is set up.
 *
 * @param stateDir the agent's state dir; each overlay network's namespace is
 *     {@code <stateDir>/overlay/netns/<network-id>}, a directory apart from the sandboxes' so that
 *     the bridge dataplane's sweep of unknown sandbox namespaces never sees them
 * @param hostNamespace the underlay namespace (where the advertise address is and the VXLAN
 *     sockets live); null for the agent's own. Tests and benchmarks pass a "host" namespace.
 */
public record OverlayConfig(Path stateDir, NetNamespace hostNamespace) {
  public OverlayConfig {
    Objects.requireNonNull(stateDir, "stateDir");
  }

  /** The agent's usual setting: its own namespace is the underlay. */
  public static OverlayConfig of(Path stateDir) {
    return new OverlayConfig(stateDir, null);
  }
}
