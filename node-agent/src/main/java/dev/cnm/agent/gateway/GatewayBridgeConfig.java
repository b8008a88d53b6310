package dev.cnm.agent.gateway;

import dev.cnm.agent.netlink.Address;
import dev.cnm.agent.netlink.InterfaceName;
import dev.cnm.agent.netlink.NetlinkHandle;
import dev.cnm.agent.netlink.codec.RtnetlinkH;
import dev.cnm.agent.netlink.link.Link;
import dev.cnm.agent.netns.NetNamespace;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.net.IpPrefix;
import java.util.List;
import java.util.Objects;

/**
 * How the gateway bridge is set up.
 *
 * @param bridgeName the bridge's name (default {@code cnm_gwbridge})
 * @param subnet its IPv4 subnet; the bridge holds the first address, sandboxes get the others
 * @param hostNamespace where the bridge lives (the node's namespace); null for the agent's own
 */
public record GatewayBridgeConfig(String bridgeName, IpPrefix subnet, NetNamespace hostNamespace) {
  public static final String DEFAULT_BRIDGE = "cnm_gwbridge";
  /** docker_gwbridge's usual subnet. */
  public static final String DEFAULT_SUBNET = "172.18.0.0/16";

  public GatewayBridgeConfig {
    bridgeName = bridgeName == null || bridgeName.isEmpty() ? DEFAULT_BRIDGE : InterfaceName.check("bridgeName", bridgeName);
    Objects.requireNonNull(subnet, "subnet").requireIpv4("gwbridge_subnet");
    if (subnet.length() > 29) {
      throw CnmException.invalidArgument("gwbridge_subnet", "--gwbridge-subnet " + subnet
          + " is too small: give an IPv4 subnet of /29 or larger");
    }
  }

  /** The agent's usual setting: {@code subnetText} (empty for the default) in its own namespace. */
  public static GatewayBridgeConfig of(String subnetText) {
    String text = subnetText == null || subnetText.isBlank() ? DEFAULT_SUBNET : subnetText.trim();
    return new GatewayBridgeConfig(DEFAULT_BRIDGE, parse(text), null);
  }

  /**
   * The agent's setting for the node {@code host} looks at: the given subnet, or without one the
   * first of 172.18.0.0/16 ... 172.31.0.0/16 that holds none of the node's addresses (other than
   * the gateway bridge's own), so a host where Docker's docker_gwbridge has 172.18 still works.
   */
  public static GatewayBridgeConfig pick(String subnetText, NetlinkHandle host) {
    if (subnetText != null && !subnetText.isBlank()) {
      return of(subnetText);
    }
    int own = host.links().find(DEFAULT_BRIDGE).map(Link::index).orElse(-1);
    List<Address> local = host.addresses().list(0, RtnetlinkH.AF_INET).stream().filter(a -> a.index() != own).toList();
    for (int second = 18; second <= 31; second++) {
      IpPrefix candidate = parse("172." + second + ".0.0/16");
      if (local.stream().noneMatch(a -> candidate.contains(a.prefix().address()))) {
        return new GatewayBridgeConfig(DEFAULT_BRIDGE, candidate, null);
      }
    }
    return of(DEFAULT_SUBNET);
  }

  private static IpPrefix parse(String text) {
    try {
      return IpPrefix.parse("gwbridge_subnet", text);
    } catch (CnmException e) {
      throw CnmException.invalidArgument("gwbridge_subnet", "--gwbridge-subnet '" + text + "' is not an IPv4 subnet "
          + "in CIDR form (e.g. " + DEFAULT_SUBNET + ")");
    }
  }
}
