package dev.cnm.agent.dataplane;

import dev.cnm.agent.netlink.InterfaceName;
import dev.cnm.agent.netlink.MacAddress;
import dev.cnm.runtime.ids.Ids;
import dev.cnm.runtime.net.IpPrefix;

/**
 * An endpoint joined to a sandbox: a veth pair whose host end is a port of the network's bridge
 * and whose other end is born inside the sandbox's namespace.
 *
 * @param endpointId the endpoint's id (the host end is marked {@code cnm:<id>})
 * @param networkId the network it belongs to (must be ensured first)
 * @param sandboxId the sandbox it joins (must exist first)
 * @param ifName its name inside the sandbox ("eth0", "eth1"...); null or empty means "eth0"
 * @param mac its MAC; null derives 02:42:+IPv4 (Docker's scheme), or a random local one
 * @param ipv4 its IPv4 address with the subnet's prefix, or null
 * @param ipv6 its IPv6 address with the subnet's prefix, or null
 * @param hostIfName the host end's name; null or empty derives {@code cnm<first 12 of id>}
 * @param defaultRoute whether the sandbox's default route goes via this endpoint's network gateway
 *     (the controller picks one endpoint per sandbox by Join priority, as libnetwork does); null
 *     means "when it is eth0", for callers that do not choose
 */
public record EndpointSpec(String endpointId, String networkId, String sandboxId, String ifName, MacAddress mac,
    IpPrefix ipv4, IpPrefix ipv6, String hostIfName, Boolean defaultRoute) {
  /** Without a choice of default route: eth0 gets it. */
  public EndpointSpec(String endpointId, String networkId, String sandboxId, String ifName, MacAddress mac,
      IpPrefix ipv4, IpPrefix ipv6, String hostIfName) {
    this(endpointId, networkId, sandboxId, ifName, mac, ipv4, ipv6, hostIfName, null);
  }

  public EndpointSpec {
    Ids.check("endpointId", endpointId);
    Ids.check("networkId", networkId);
    Ids.check("sandboxId", sandboxId);
    ifName = ifName == null || ifName.isEmpty() ? "eth0" : InterfaceName.check("ifName", ifName);
    hostIfName = hostIfName == null || hostIfName.isEmpty() ? KernelNames.hostInterfaceFor(endpointId) : InterfaceName.check("hostIfName", hostIfName);
    if (mac != null) {
      mac.checkUnicast("mac");
    }
    if (ipv4 != null) {
      ipv4.requireIpv4("ipv4");
    }
    if (ipv6 != null) {
      ipv6.requireIpv6("ipv6");
    }
  }

  /** The common case: eth0, derived MAC and host name. */
  public static EndpointSpec of(String endpointId, String networkId, String sandboxId, IpPrefix ipv4, IpPrefix ipv6) {
    return new EndpointSpec(endpointId, networkId, sandboxId, "eth0", null, ipv4, ipv6, null);
  }

  /** Whether the sandbox's default route goes via this endpoint (see {@code defaultRoute}). */
  public boolean routesDefault() {
    return defaultRoute != null ? defaultRoute : "eth0".equals(ifName);
  }

  /** The MAC to use: the given one, else derived from the IPv4 address, else random. */
  MacAddress effectiveMac() {
    if (mac != null) {
      return mac;
    }
    return ipv4 != null ? MacAddress.fromIpv4(ipv4.address().getAddress()) : MacAddress.randomLocal();
  }
}
