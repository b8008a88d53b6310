package dev.cnm.agent.cni;

import dev.cnm.agent.netlink.Address;
import dev.cnm.agent.netlink.NetlinkHandle;
import dev.cnm.agent.netlink.Route;
import dev.cnm.agent.netlink.codec.RtnetlinkH;
import dev.cnm.agent.netlink.link.Link;
import dev.cnm.agent.netns.Namespaces;
import dev.cnm.agent.netns.NetNamespace;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.net.IpPrefix;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Optional;

/**
 * CHECK's look at the kernel: in the runtime's namespace, the endpoint's interface exists, is up,
 * has the endpoint's MAC and addresses, and the default route of each family with a gateway goes
 * through that gateway on that interface. Each difference is code 101 naming what differs.
 */
final class NamespaceCheck {
  private NamespaceCheck() {}

  /** Opens {@code netns}, or code 4 naming CNI_NETNS when it is no network namespace. */
  static NetNamespace open(String netns) {
    Path path = Path.of(netns);
    if (!path.isAbsolute()) {
      throw new CniError(CniError.INVALID_ENVIRONMENT, "CNI_NETNS: \"" + netns + "\" is not an absolute path");
    }
    try {
      return Namespaces.openExternal(path);
    } catch (CnmException e) {
      throw new CniError(CniError.INVALID_ENVIRONMENT, "CNI_NETNS: " + e.getMessage().replaceFirst("^namespacePath: ", ""));
    }
  }

  static void verify(String netns, String ifname, Endpoint ep) {
    try (NetNamespace ns = open(netns); NetlinkHandle in = NetlinkHandle.openIn(ns)) {
      Optional<Link> found = in.links().find(ifname);
      if (found.isEmpty()) {
        throw failed("interface " + ifname + " is missing from " + netns);
      }
      Link link = found.get();
      if (!link.isUp()) {
        throw failed("interface " + ifname + " is down");
      }
      if (!ep.getMacAddress().isEmpty() && (link.mac() == null
          || !link.mac().toString().equalsIgnoreCase(ep.getMacAddress()))) {
        throw failed("interface " + ifname + " has MAC " + link.mac() + ", cnm attached " + ep.getMacAddress());
      }
      checkFamily(in, link, ep.getIpv4Address(), ep.getGatewayIpv4(), RtnetlinkH.AF_INET);
      checkFamily(in, link, ep.getIpv6Address(), ep.getGatewayIpv6(), RtnetlinkH.AF_INET6);
    }
  }

  private static void checkFamily(NetlinkHandle in, Link link, String address, String gateway, int family) {
    if (address.isEmpty()) {
      return;
    }
    IpPrefix want = IpPrefix.parse("address", address);
    boolean has = in.addresses().list(link.index(), family).stream().map(Address::prefix).anyMatch(want::equals);
    if (!has) {
      throw failed("interface " + link.name() + " lacks address " + address);
    }
    if (gateway.isEmpty()) {
      return;
    }
    InetAddress via = IpPrefix.parseAddress("gateway", gateway);
    boolean routed = in.routes().list(family).stream().anyMatch(r -> r.isDefault() && via.equals(r.gateway())
        && r.outIndex() == link.index());
    if (!routed) {
      throw failed("no default route via " + gateway + " on " + link.name());
    }
  }

  private static CniError failed(String message) {
    return new CniError(CniError.CHECK_FAILED, "CHECK: " + message);
  }
}
