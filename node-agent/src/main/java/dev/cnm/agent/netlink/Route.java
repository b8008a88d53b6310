package dev.cnm.agent.netlink;

import dev.cnm.agent.netlink.codec.RtnetlinkH;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.net.IpPrefix;
import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * A route. A null destination is the default route of the gateway's family.
 *
 * @param destination the destination prefix, or null for default
 * @param gateway the next hop, or null for a directly connected route
 * @param outIndex the output link, or 0
 * @param table RT_TABLE_* (0 is read as main)
 * @param scope RT_SCOPE_* (a route without gateway is link scope)
 * @param protocol RTPROT_* (who installed it; cnm uses RTPROT_STATIC)
 * @param priority the metric, 0 for none
 */
public record Route(IpPrefix destination, InetAddress gateway, int outIndex, int table, int scope, int protocol,
    int priority) {
  public Route {
    if (destination == null && gateway == null) {
      throw CnmException.invalidArgument("route", "a route needs a destination or a gateway");
    }
    if (destination != null && gateway != null && destination.isIpv4() != (gateway instanceof Inet4Address)) {
      throw CnmException.invalidArgument("gateway", "gateway " + gateway.getHostAddress()
          + " is not of the same family as destination " + destination);
    }
  }

  /** The default route via {@code gateway} out of link {@code outIndex}. */
  public static Route defaultVia(InetAddress gateway, int outIndex) {
    return new Route(null, gateway, outIndex, RtnetlinkH.RT_TABLE_MAIN, RtnetlinkH.RT_SCOPE_UNIVERSE,
        RtnetlinkH.RTPROT_STATIC, 0);
  }

  /** A route to {@code destination} via {@code gateway} (null: directly out of {@code outIndex}). */
  public static Route to(IpPrefix destination, InetAddress gateway, int outIndex) {
    return new Route(destination, gateway, outIndex, RtnetlinkH.RT_TABLE_MAIN,
        gateway == null ? RtnetlinkH.RT_SCOPE_LINK : RtnetlinkH.RT_SCOPE_UNIVERSE, RtnetlinkH.RTPROT_STATIC, 0);
  }

  public boolean isIpv4() {
    return destination != null ? destination.isIpv4() : gateway instanceof Inet4Address;
  }

  public boolean isDefault() {
    return destination == null || destination.length() == 0;
  }

  /** "default via 10.0.0.1 dev <3>" etc., for messages. */
  public String describe() {
    return (isDefault() ? "default" : destination.toString())
        + (gateway != null ? " via " + gateway.getHostAddress() : "")
        + (outIndex > 0 ? " dev <index " + outIndex + ">" : "")
        + (priority > 0 ? " metric " + priority : "");
  }
}
