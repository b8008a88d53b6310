package dev.cnm.agent.driver.overlay;

import dev.cnm.agent.netlink.Address;
import dev.cnm.agent.netlink.NetlinkHandle;
import dev.cnm.agent.netlink.Route;
import dev.cnm.agent.netlink.codec.RtnetlinkH;
import dev.cnm.api.v1.ErrorReason;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.runtime.net.IpPrefix;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The node's advertise address: the VXLAN underlay address other nodes send this node's overlay
 * traffic to. A given address must be one of this node's (checked before the agent registers,
 * so a typo stops the agent at once instead of leaving overlays that never converge); without
 * one, the first global address of the interface holding the default route is taken, as
 * Docker's swarm does when a node has one obvious address. A loopback address is this node's
 * too (a single-node setup may give 127.0.0.1), but it cannot carry VXLAN to other nodes: see
 * {@link #carriesOverlay}.
 */
public final class AdvertiseAddress {
  /** The flag the operator sets, named in every message. */
  public static final String FLAG = "--advertise-address";

  private AdvertiseAddress() {}

  /**
   * Resolves the advertise address in the namespace {@code host} looks at.
   *
   * @param given the flag's value; null or blank to pick one
   * @return the address, or empty when none was given and no default-route interface has one
   * @throws CnmException INVALID_ARGUMENT for a value that is not an IP literal,
   *     FAILED_PRECONDITION ADVERTISE_ADDRESS_NOT_LOCAL for an address this node does not hold
   */
  public static Optional<InetAddress> resolve(String given, NetlinkHandle host) {
    if (given == null || given.isBlank()) {
      return fromDefaultRoute(host);
    }
    InetAddress address;
    try {
      address = IpPrefix.parseAddress("advertise_address", given.trim());
    } catch (CnmException e) {
      throw CnmException.invalidArgument("advertise_address", FLAG + " '" + given + "' is not an IPv4 or IPv6 address");
    }
    int family = address instanceof java.net.Inet4Address ? RtnetlinkH.AF_INET : RtnetlinkH.AF_INET6;
    List<Address> held = host.addresses().list(0, family);
    for (Address a : held) {
      if (a.prefix().address().equals(address)) {
        return Optional.of(address);
      }
    }
    List<String> mine = held.stream().filter(a -> a.scope() == RtnetlinkH.RT_SCOPE_UNIVERSE)
        .map(a -> a.prefix().address().getHostAddress()).toList();
    throw notLocal(address, "this node's addresses are " + (mine.isEmpty() ? "none" : String.join(", ", mine)));
  }

  /** Whether other nodes can send VXLAN to {@code address} (not loopback). */
  public static boolean carriesOverlay(InetAddress address) {
    return address != null && !address.isLoopbackAddress();
  }

  private static CnmException notLocal(InetAddress address, String why) {
    return new CnmException(ErrorKind.FAILED_PRECONDITION, ErrorReason.ADVERTISE_ADDRESS_NOT_LOCAL, FLAG + " "
        + address.getHostAddress() + " is not an address of this node (" + why + "): give the address other nodes "
        + "reach this one at", Map.of("field", "advertise_address", "address", address.getHostAddress()), null);
  }

  /** The first global address (IPv4 preferred) of the link holding the main table's default route. */
  private static Optional<InetAddress> fromDefaultRoute(NetlinkHandle host) {
    for (int family : new int[] {RtnetlinkH.AF_INET, RtnetlinkH.AF_INET6}) {
      for (Route r : host.routes().list(family)) {
        if (!r.isDefault() || r.outIndex() == 0) {
          continue;
        }
        for (Address a : host.addresses().list(r.outIndex(), family)) {
          if (a.scope() == RtnetlinkH.RT_SCOPE_UNIVERSE) {
            return Optional.of(a.prefix().address());
          }
        }
      }
    }
    return Optional.empty();
  }
}
