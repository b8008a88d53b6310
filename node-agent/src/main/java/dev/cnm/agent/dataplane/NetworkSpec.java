package dev.cnm.agent.dataplane;

import dev.cnm.agent.netlink.InterfaceName;
import dev.cnm.agent.netlink.Mtu;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.ids.Ids;
import dev.cnm.runtime.net.IpPrefix;

/**
 * A bridge network as this node must hold it.
 *
 * @param networkId the network's id (the bridge is marked {@code cnm:<id>})
 * @param bridgeName the bridge's name; null or empty derives {@code cnm-<first 11 of id>}
 * @param mtu the MTU of the bridge and of every endpoint on it; 0 for 1500
 * @param gatewayV4 the bridge's IPv4 address with the subnet's prefix (e.g. 10.1.0.1/24), or null
 * @param gatewayV6 the bridge's IPv6 address with the subnet's prefix, or null
 */
public record NetworkSpec(String networkId, String bridgeName, int mtu, IpPrefix gatewayV4, IpPrefix gatewayV6) {
  public static final int DEFAULT_MTU = 1500;

  public NetworkSpec {
    Ids.check("networkId", networkId);
    bridgeName = bridgeName == null || bridgeName.isEmpty() ? KernelNames.bridgeFor(networkId) : InterfaceName.check("bridgeName", bridgeName);
    mtu = mtu == 0 ? DEFAULT_MTU : Mtu.check("mtu", mtu);
    if (gatewayV4 != null) {
      gatewayV4.requireIpv4("gatewayV4");
    }
    if (gatewayV6 != null) {
      gatewayV6.requireIpv6("gatewayV6");
      if (mtu < Mtu.MIN_IPV6) {
        throw CnmException.invalidArgument("mtu", "MTU " + mtu + " is below IPv6's minimum of " + Mtu.MIN_IPV6);
      }
    }
  }
}
