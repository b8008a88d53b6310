package dev.cnm.agent.firewall;

import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.net.IpPrefix;
import java.util.List;
import java.util.TreeSet;

/**
 * What the firewall needs to know about one bridge network: the bridge's interface name, its
 * subnets (IPv4 and IPv6) and the bridge driver's options that shape filtering and NAT.
 *
 * @param name the network's name or id, used only in rule comments
 * @param bridge the Linux bridge's interface name (e.g. {@code cnm0})
 * @param subnets the network's subnets, any mix of IPv4 and IPv6
 * @param masquerade libnetwork's {@code enable_ip_masquerade}: SNAT traffic leaving the host
 * @param icc libnetwork's {@code enable_icc}: containers on this bridge may talk to each other
 * @param internal libnetwork's {@code internal}: no traffic in or out of the bridge except to the host
 * @param ports the bridge's ports (the host ends of its sandboxes' veths), kept sorted; read only
 *     when icc is off, to drop frames bridged between two of them (the kernel this runs on may
 *     lack nftables' bridge-name match, {@code meta ibrname}, so ports are named one by one)
 */
public record FirewallNetwork(String name, String bridge, List<IpPrefix> subnets, boolean masquerade, boolean icc,
                              boolean internal, List<String> ports) {

  public FirewallNetwork {
    if (name == null || name.isBlank()) {
      throw CnmException.invalidArgument("network.name", "is missing");
    }
    InterfaceNames.check("network.bridge", bridge);
    subnets = List.copyOf(subnets == null ? List.of() : subnets);
    TreeSet<String> sorted = new TreeSet<>();
    for (String port : ports == null ? List.<String>of() : ports) {
      InterfaceNames.check("network.ports", port);
      if (port.endsWith("*")) {
        // nft reads a trailing '*' in an interface name as a wildcard: it would match other ports
        throw CnmException.invalidArgument("network.ports", "interface name '" + port + "' ends with '*'");
      }
      sorted.add(port);
    }
    ports = List.copyOf(sorted);
  }

  /** A network whose ports are not named: icc off then isolates only routed traffic (see {@link NftRenderer}). */
  public FirewallNetwork(String name, String bridge, List<IpPrefix> subnets, boolean masquerade, boolean icc,
                         boolean internal) {
    this(name, bridge, subnets, masquerade, icc, internal, List.of());
  }

  /** A network with dockerd's defaults: masquerade on, icc on, not internal. */
  public static FirewallNetwork of(String name, String bridge, List<IpPrefix> subnets) {
    return new FirewallNetwork(name, bridge, subnets, true, true, false);
  }
}
