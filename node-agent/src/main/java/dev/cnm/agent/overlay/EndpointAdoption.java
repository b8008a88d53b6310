package dev.cnm.agent.overlay;

import dev.cnm.agent.dataplane.EndpointState;
import dev.cnm.agent.netlink.MacAddress;
import dev.cnm.agent.netlink.NetlinkHandle;
import dev.cnm.agent.netlink.Route;
import dev.cnm.agent.netlink.link.Link;
import dev.cnm.agent.netlink.sys.AlreadyExistsException;
import dev.cnm.runtime.net.IpPrefix;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * After an agent restart: takes over an endpoint the kernel still holds instead of re-creating
 * it, so a restart does not interrupt the sandbox's traffic (a veth delete alone costs ~16 ms).
 * Adopted only when the host end is marked for the endpoint and a port of the network's bridge,
 * and the sandbox end is its peer with the expected MAC; MTU, state, addresses and the default
 * route are then repaired in place.
 */
final class EndpointAdoption {
  private EndpointAdoption() {}

  /** The adopted endpoint's state, or empty when it must be (re)created. */
  static Optional<EndpointState> tryAdopt(OverlayEndpointSpec spec, OverlayNetwork net, NetlinkHandle sandbox) {
    Optional<Link> hostEnd = net.netlink.links().find(spec.hostIfName());
    if (hostEnd.isEmpty() || !spec.endpointId().equals(OverlayIds.ownerOf(hostEnd.get().alias()))
        || hostEnd.get().masterIndex() != net.bridgeIndex) {
      return Optional.empty();
    }
    Optional<Link> inner = sandbox.links().find(spec.ifName());
    boolean macKnown = spec.mac() != null || spec.ipv4() != null;
    if (inner.isEmpty() || !inner.get().kind().equals("veth") || inner.get().parentIndex() != hostEnd.get().index()
        || (macKnown && !spec.effectiveMac().equals(inner.get().mac()))) {
      return Optional.empty();
    }
    Link in = inner.get();
    if (hostEnd.get().mtu() != net.mtu) {
      net.netlink.links().setMtu(spec.hostIfName(), net.mtu);
    }
    if (!hostEnd.get().isUp()) {
      net.netlink.links().setUp(spec.hostIfName());
    }
    if (in.mtu() != net.mtu) {
      sandbox.links().setMtu(spec.ifName(), net.mtu);
    }
    if (!in.isUp()) {
      sandbox.links().setUp(spec.ifName());
    }
    List<IpPrefix> want = new ArrayList<>(2);
    for (IpPrefix p : new IpPrefix[] {spec.ipv4(), spec.ipv6()}) {
      if (p != null) {
        want.add(p);
      }
    }
    List<IpPrefix> have = KernelOverlayDataplane.configuredAddresses(sandbox, in.index());
    for (IpPrefix p : have) {
      if (!want.contains(p)) {
        sandbox.addresses().delete(in.index(), p);
      }
    }
    for (IpPrefix p : want) {
      if (!have.contains(p)) {
        sandbox.addresses().replace(in.index(), p);
      }
      InetAddress gw = p.isIpv4() ? net.spec.gatewayV4() : net.spec.gatewayV6();
      if (gw != null && !net.spec.internal()) {
        try {
          sandbox.routes().add(Route.defaultVia(gw, in.index()));
        } catch (AlreadyExistsException present) {
          // it is there (or another network's is)
        }
      }
    }
    MacAddress mac = in.mac();
    return Optional.of(new EndpointState(spec.endpointId(), spec.sandboxId(), spec.hostIfName(), spec.ifName(),
        in.index(), mac, want));
  }
}
