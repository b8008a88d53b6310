package dev.cnm.agent.dataplane;

import dev.cnm.agent.netns.NetNamespace;
import java.nio.file.Path;
import java.util.Objects;

/**
 * How a {@link BridgeDataplane} is set up.
 *
 * @param stateDir the agent's state dir; sandbox namespaces go to {@code <stateDir>/netns}
 * @param hostNamespace where bridges and host-side veths live; null for the agent's own namespace
 *     (tests and benchmarks pass a namespace of their own so the machine's stays untouched)
 * @param enableForwarding set net.ipv4.ip_forward (and IPv6 forwarding) to 1 in the host
 *     namespace when a network with a gateway is ensured, as a bridge network's egress needs
 */
public record DataplaneConfig(Path stateDir, NetNamespace hostNamespace, boolean enableForwarding) {
  public DataplaneConfig {
    Objects.requireNonNull(stateDir, "stateDir");
  }

  /** The agent's usual setting: its own namespace, forwarding on. */
  public static DataplaneConfig of(Path stateDir) {
    return new DataplaneConfig(stateDir, null, true);
  }
}
