package dev.cnm.controller.domain.network;

import dev.cnm.api.v1.ErrorReason;
import dev.cnm.api.v1.IpamPool;
import dev.cnm.api.v1.Network;
import dev.cnm.runtime.net.Cidr;
import dev.cnm.controller.driver.NetworkDriver;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.runtime.net.Cidr;
import dev.cnm.store.client.KvObject;
import java.util.List;
import java.util.Map;

/** A CreateNetwork request's IPAM part, checked before anything is allocated. */
record NetworkPlan(IpamPool ipv4, IpamPool ipv6) {

  static NetworkPlan validate(Network req, NetworkDriver driver) {
    if (!driver.usesIpam()) {
      if (req.getIpam().getIpv4Count() > 0 || req.getIpam().getIpv6Count() > 0) {
        throw CnmException.invalidArgument("network.ipam", "the " + driver.name() + " driver takes no addresses");
      }
      if (!req.getIpam().getAddressSpace().isEmpty()) {
        throw CnmException.invalidArgument("network.ipam.address_space", "the " + driver.name()
            + " driver takes no addresses");
      }
      return new NetworkPlan(null, null);
    }
    if (!req.getIpam().getDriver().isEmpty() && !req.getIpam().getDriver().equals("default")) {
      throw CnmException.invalidArgument("network.ipam.driver", "only the default IPAM driver exists, got "
          + req.getIpam().getDriver());
    }
    if (req.getIpam().getIpv4Count() > 1) {
      throw CnmException.invalidArgument("network.ipam.ipv4", "at most one IPv4 pool");
    }
    if (req.getIpam().getIpv6Count() > 1) {
      throw CnmException.invalidArgument("network.ipam.ipv6", "at most one IPv6 pool");
    }
    IpamPool v4 = req.getIpam().getIpv4Count() == 1 ? check(req.getIpam().getIpv4(0), false, "network.ipam.ipv4[0]")
        : IpamPool.getDefaultInstance();
    IpamPool v6 = req.getIpam().getIpv6Count() == 1 ? check(req.getIpam().getIpv6(0), true, "network.ipam.ipv6[0]")
        : null;
    return new NetworkPlan(v4, v6);
  }

  private static IpamPool check(IpamPool p, boolean v6, String field) {
    if (p.getSubnet().isEmpty()) {
      if (!p.getIpRange().isEmpty() || !p.getGateway().isEmpty() || p.getAuxAddressesCount() > 0) {
        throw CnmException.invalidArgument(field + ".subnet", "required with ip_range, gateway or aux_addresses");
      }
      return p;
    }
    Cidr subnet = Cidr.parse(field + ".subnet", p.getSubnet());
    if (subnet.isIpv6() != v6) {
      throw CnmException.invalidArgument(field + ".subnet", "must be an IPv" + (v6 ? "6" : "4") + " subnet");
    }
    IpamPool.Builder b = p.toBuilder().setSubnet(subnet.networkText());
    if (!p.getIpRange().isEmpty()) {
      Cidr range = Cidr.parse(field + ".ip_range", p.getIpRange());
      if (!subnet.contains(range)) {
        throw CnmException.invalidArgument(field + ".ip_range", range + " is outside the subnet " + subnet.networkText());
      }
      b.setIpRange(range.networkText());
    }
    if (!p.getGateway().isEmpty()) {
      byte[] gw = Cidr.parseAddress(field + ".gateway", p.getGateway());
      if (!subnet.contains(gw)) {
        throw CnmException.invalidArgument(field + ".gateway", p.getGateway() + " is outside the subnet "
            + subnet.networkText());
      }
      b.setGateway(Cidr.format(gw));
    }
    for (Map.Entry<String, String> aux : p.getAuxAddressesMap().entrySet()) {
      String f = field + ".aux_addresses[" + aux.getKey() + "]";
      byte[] a = Cidr.parseAddress(f, aux.getValue());
      if (!subnet.contains(a)) {
        throw CnmException.invalidArgument(f, aux.getValue() + " is outside the subnet " + subnet.networkText());
      }
    }
    return b.build();
  }

  /** FAILED_PRECONDITION naming the subnet field if it overlaps a local network's subnet. */
  void checkNoOverlap(List<KvObject<Network>> existing) {
    check(ipv4, "network.ipam.ipv4[0].subnet", existing, false);
    check(ipv6, "network.ipam.ipv6[0].subnet", existing, true);
  }

  private static void check(IpamPool p, String field, List<KvObject<Network>> existing, boolean v6) {
    if (p == null || p.getSubnet().isEmpty()) {
      return;
    }
    Cidr mine = Cidr.parse(field, p.getSubnet());
    for (KvObject<Network> n : existing) {
      for (IpamPool other : v6 ? n.value().getIpam().getIpv6List() : n.value().getIpam().getIpv4List()) {
        if (!other.getSubnet().isEmpty() && mine.overlaps(Cidr.parse("subnet", other.getSubnet()))) {
          throw new CnmException(ErrorKind.FAILED_PRECONDITION, ErrorReason.SUBNET_OVERLAPS,
              field + ": " + mine.networkText() + " overlaps " + other.getSubnet() + " of network \""
                  + n.value().getName() + "\"", Map.of("field", field, "network_id", n.value().getId()), null);
        }
      }
    }
  }
}
