package dev.cnm.agent.firewall;

import dev.cnm.runtime.errors.CnmException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The whole desired firewall of one host: every bridge network cnm manages there and every
 * published port. The table is always rendered from the whole state, never patched.
 *
 * @param networks the bridge networks on this host
 * @param ports the published ports of the endpoints joined on this host
 * @param hairpin when true, published ports are also DNATed for traffic coming from the
 *     bridges (a container reaching a published port through the host's address, including
 *     its own) and such traffic is masqueraded on its way back into the bridge. dockerd does
 *     this when its userland proxy is off; with the proxy on, containers reach published
 *     ports through the proxy instead.
 */
public record FirewallState(List<FirewallNetwork> networks, List<PublishedPort> ports, boolean hairpin) {

  public FirewallState {
    networks = List.copyOf(networks == null ? List.of() : networks);
    ports = List.copyOf(ports == null ? List.of() : ports);
    Set<String> bridges = new HashSet<>();
    for (FirewallNetwork n : networks) {
      if (!bridges.add(n.bridge())) {
        throw CnmException.invalidArgument("network.bridge", "bridge '" + n.bridge() + "' is used by two networks");
      }
    }
    for (int i = 0; i < ports.size(); i++) {
      PublishedPort p = ports.get(i);
      if (!bridges.contains(p.bridge())) {
        throw CnmException.invalidArgument("port.bridge",
            "published port on bridge '" + p.bridge() + "' whose network is not in the state");
      }
      for (int j = 0; j < i; j++) {
        if (overlap(p, ports.get(j))) {
          throw CnmException.invalidArgument("port.host_port", p.protocol().nftKeyword() + " host port "
              + p.hostPortStart() + "-" + p.hostPortEnd() + " is published twice");
        }
      }
    }
  }

  /** Two bindings clash when the same packet could match both of their DNAT rules. */
  private static boolean overlap(PublishedPort a, PublishedPort b) {
    if (a.protocol() != b.protocol() || !IpLiterals.sameFamily(a.containerIp(), b.containerIp())) {
      return false;
    }
    boolean portsOverlap = a.hostPortStart() <= b.hostPortEnd() && b.hostPortStart() <= a.hostPortEnd();
    boolean hostsOverlap = a.hostIp().isEmpty() || b.hostIp().isEmpty() || a.hostIp().equals(b.hostIp());
    return portsOverlap && hostsOverlap;
  }

  /** No networks, no ports: the table holds only its empty base chains. */
  public static FirewallState empty() {
    return new FirewallState(List.of(), List.of(), false);
  }
}
