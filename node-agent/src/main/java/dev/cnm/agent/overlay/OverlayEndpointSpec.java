package dev.cnm.agent.overlay;

import dev.cnm.agent.netlink.InterfaceName;
import dev.cnm.agent.netlink.MacAddress;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.net.IpPrefix;
import java.nio.file.Path;
import java.util.Objects;

/**
 * An endpoint of an overlay network in a sandbox on this node: a veth pair whose host end is a
 * port of the network's bridge (inside the network's namespace) and whose other end is born
 * inside the sandbox's namespace.
 *
 * @param endpointId the endpoint's id (the host end is marked {@code cnm:<id>})
 * @param networkId its overlay network (ensured first)
 * @param sandboxId the sandbox's id (for the returned state)
 * @param sandboxNamespace the sandbox's nsfs file (e.g. {@code <state>/netns/<sandbox>} or {@code /proc/PID/ns/net})
 * @param ifName its name in the sandbox; null or empty means "eth0"
 * @param mac its MAC; null derives 02:42:+IPv4 (Docker's scheme), or a random local one
 * @param ipv4 its IPv4 address with the subnet's prefix, or null
 * @param ipv6 its IPv6 address with the subnet's prefix, or null
 */
public record OverlayEndpointSpec(String endpointId, String networkId, String sandboxId, Path sandboxNamespace,
    String ifName, MacAddress mac, IpPrefix ipv4, IpPrefix ipv6) {
  public OverlayEndpointSpec {
    OverlayIds.check("endpointId", endpointId);
    OverlayIds.check("networkId", networkId);
    OverlayIds.check("sandboxId", sandboxId);
    Objects.requireNonNull(sandboxNamespace, "sandboxNamespace");
    ifName = ifName == null || ifName.isEmpty() ? "eth0" : InterfaceName.check("ifName", ifName);
    if (mac != null) {
      mac.checkUnicast("mac");
    }
    if (ipv4 != null) {
      ipv4.requireIpv4("ipv4");
    }
    if (ipv6 != null) {
      ipv6.requireIpv6("ipv6");
    }
    if (ipv4 == null && ipv6 == null) {
      throw CnmException.invalidArgument("ipv4", "an overlay endpoint needs an IPv4 or IPv6 address");
    }
  }

  /** The common case: eth0, an IPv4 address, the derived MAC. */
  public static OverlayEndpointSpec of(String endpointId, String networkId, String sandboxId, Path sandboxNamespace,
      IpPrefix ipv4) {
    return new OverlayEndpointSpec(endpointId, networkId, sandboxId, sandboxNamespace, "eth0", null, ipv4, null);
  }

  /** The MAC to use: the given one, else derived from the IPv4 address, else random. */
  public MacAddress effectiveMac() {
    if (mac != null) {
      return mac;
    }
    return ipv4 != null ? MacAddress.fromIpv4(ipv4.address().getAddress()) : MacAddress.randomLocal();
  }

  /** The host end's name inside the network's namespace. */
  String hostIfName() {
    return OverlayIds.hostInterfaceFor(endpointId);
  }
}
