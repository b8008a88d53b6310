package dev.cnm.agent.overlay;

import dev.cnm.agent.netlink.Mtu;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.net.IpPrefix;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An overlay network as this node must hold it. Everything that can be checked without the
 * kernel is checked here; {@link OverlayDataplane#ensureNetwork} checks the rest (the local
 * address is on this node, the MTU it leaves) before it changes anything.
 *
 * @param networkId the network's id: names its namespace, marks its links {@code cnm:<id>}
 * @param vni the VXLAN network identifier, 1..16777215
 * @param subnetV4 the IPv4 subnet, or null
 * @param gatewayV4 the IPv4 gateway (put on the network's bridge), inside subnetV4, or null
 * @param subnetV6 the IPv6 subnet, or null (with one, the MTU must be at least 1280)
 * @param gatewayV6 the IPv6 gateway, inside subnetV6, or null
 * @param mtu the overlay MTU; 0 derives it: the MTU of the underlay link holding
 *     {@code localAddress} minus 50 (minus 70 over an IPv6 underlay)
 * @param dstPort the VXLAN UDP port; 0 means 4789 (IANA)
 * @param localAddress the node's advertise address: the VXLAN source, which must be on this node
 * @param internal no egress: endpoints get no default route through the gateway
 */
public record OverlayNetworkSpec(String networkId, int vni, IpPrefix subnetV4, InetAddress gatewayV4,
    IpPrefix subnetV6, InetAddress gatewayV6, int mtu, int dstPort, InetAddress localAddress, boolean internal) {
  public static final int IANA_PORT = 4789;
  public static final int MAX_VNI = 0xffffff;

  public OverlayNetworkSpec {
    OverlayIds.check("networkId", networkId);
    if (vni < 1 || vni > MAX_VNI) {
      throw CnmException.invalidArgument("vni", "VNI " + vni + " is out of range [1, " + MAX_VNI + "]");
    }
    dstPort = dstPort == 0 ? IANA_PORT : dstPort;
    if (dstPort < 1 || dstPort > 65535) {
      throw CnmException.invalidArgument("dstPort", "port " + dstPort + " is out of range [1, 65535]");
    }
    Mtu.check("mtu", mtu);
    if (subnetV6 != null && mtu != 0 && mtu < Mtu.MIN_IPV6) {
      throw CnmException.invalidArgument("mtu", "MTU " + mtu + " leaves less than IPv6's minimum of "
          + Mtu.MIN_IPV6 + " for IPv6 network " + networkId);
    }
    Objects.requireNonNull(localAddress, "localAddress");
    if (localAddress.isAnyLocalAddress() || localAddress.isMulticastAddress() || localAddress.isLoopbackAddress()) {
      throw CnmException.invalidArgument("localAddress", "the VXLAN local address must be a unicast address of "
          + "this node, not " + localAddress.getHostAddress());
    }
    if (subnetV4 != null) {
      subnetV4.requireIpv4("subnetV4");
    }
    if (subnetV6 != null) {
      subnetV6.requireIpv6("subnetV6");
    }
    checkGateway("gatewayV4", gatewayV4, subnetV4, Inet4Address.class);
    checkGateway("gatewayV6", gatewayV6, subnetV6, Inet6Address.class);
  }

  /** A network with an IPv4 subnet and gateway, derived MTU, port 4789. */
  public static OverlayNetworkSpec ipv4(String networkId, int vni, IpPrefix subnet, InetAddress gateway,
      InetAddress localAddress) {
    return new OverlayNetworkSpec(networkId, vni, subnet, gateway, null, null, 0, 0, localAddress, false);
  }

  public OverlayNetworkSpec withMtu(int value) {
    return new OverlayNetworkSpec(networkId, vni, subnetV4, gatewayV4, subnetV6, gatewayV6, value, dstPort,
        localAddress, internal);
  }

  public OverlayNetworkSpec withInternal(boolean value) {
    return new OverlayNetworkSpec(networkId, vni, subnetV4, gatewayV4, subnetV6, gatewayV6, mtu, dstPort,
        localAddress, value);
  }

  public OverlayNetworkSpec withIpv6(IpPrefix subnet, InetAddress gateway) {
    return new OverlayNetworkSpec(networkId, vni, subnetV4, gatewayV4, subnet, gateway, mtu, dstPort,
        localAddress, internal);
  }

  /** Does the network carry IPv6 (so its MTU must stay at least 1280)? */
  public boolean hasIpv6() {
    return subnetV6 != null;
  }

  /** The bridge's addresses: each gateway with its subnet's prefix length. */
  List<IpPrefix> bridgeAddresses() {
    List<IpPrefix> out = new ArrayList<>(2);
    if (gatewayV4 != null) {
      out.add(new IpPrefix(gatewayV4, subnetV4.length()));
    }
    if (gatewayV6 != null) {
      out.add(new IpPrefix(gatewayV6, subnetV6.length()));
    }
    return out;
  }

  private static void checkGateway(String field, InetAddress gateway, IpPrefix subnet, Class<?> family) {
    if (gateway == null) {
      return;
    }
    if (!family.isInstance(gateway)) {
      throw CnmException.invalidArgument(field, field + " " + gateway.getHostAddress() + " is of the wrong family");
    }
    if (subnet == null || !subnet.contains(gateway)) {
      throw CnmException.invalidArgument(field, field + " " + gateway.getHostAddress() + " is not inside the subnet "
          + subnet);
    }
  }
}
