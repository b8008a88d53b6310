package dev.cnm.agent.overlay;

import dev.cnm.agent.dataplane.AttachGuard;
import dev.cnm.agent.dataplane.EndpointState;
import dev.cnm.agent.dataplane.ReconcileReport;
import dev.cnm.agent.netlink.Address;
import dev.cnm.agent.netlink.MacAddress;
import dev.cnm.agent.netlink.NetlinkHandle;
import dev.cnm.agent.netlink.Route;
import dev.cnm.agent.netlink.codec.RtnetlinkH;
import dev.cnm.agent.netlink.link.Link;
import dev.cnm.agent.netlink.link.LinkSpec;
import dev.cnm.agent.netlink.link.Veth;
import dev.cnm.agent.netlink.sys.AlreadyExistsException;
import dev.cnm.agent.netlink.sys.LibC;
import dev.cnm.agent.netns.NetNamespace;
import dev.cnm.agent.netns.Namespaces;
import dev.cnm.api.v1.ErrorReason;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.net.IpPrefix;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** {@link OverlayDataplane} on netlink and network namespaces. */
final class KernelOverlayDataplane implements OverlayDataplane {
  /** An attached endpoint: what was asked and what the kernel holds. */
  record Attached(OverlayEndpointSpec spec, EndpointState state) {}

  private final Object lock = new Object();
  // guarded by lock: every field below and every kernel change
  private final NetlinkHandle host;
  private final Namespaces namespaces;
  private final Map<String, OverlayNetwork> networks = new HashMap<>();
  private final Map<String, Attached> endpoints = new HashMap<>();
  private final SandboxHandles sandboxes = new SandboxHandles();

  private KernelOverlayDataplane(NetlinkHandle host, Namespaces namespaces) {
    this.host = host;
    this.namespaces = namespaces;
  }

  static KernelOverlayDataplane open(OverlayConfig config) {
    LibC.load();
    Namespaces namespaces = new Namespaces(config.stateDir().resolve("overlay"));
    return new KernelOverlayDataplane(NetlinkHandle.openInOrCurrent(config.hostNamespace()), namespaces);
  }

  Map<String, OverlayNetwork> openNetworks() {
    return networks;
  }

  Map<String, Attached> attached() {
    return endpoints;
  }

  Namespaces namespaces() {
    return namespaces;
  }

  @Override
  public OverlayNetworkState ensureNetwork(OverlayNetworkSpec spec) {
    synchronized (lock) {
      // every check that needs the kernel, before the kernel is changed
      Underlay underlay = Underlay.of(host, spec.localAddress());
      int mtu = underlay.overlayMtu(spec);
      for (OverlayNetwork other : networks.values()) {
        if (!other.spec.networkId().equals(spec.networkId()) && other.spec.vni() == spec.vni()
            && other.spec.dstPort() == spec.dstPort()) {
          throw CnmException.failedPrecondition(ErrorReason.VNI_IN_USE, "VNI " + spec.vni() + " is already used by overlay "
              + "network " + other.spec.networkId() + " on this node");
        }
      }
      OverlayNetwork net = networks.get(spec.networkId());
      boolean created = false;
      if (net == null) {
        created = !namespaces.exists(spec.networkId());
        net = openNamespace(spec.networkId(), created);
      }
      try {
        boolean changed = new NetworkBuilder(this, net, spec, mtu).ensure() | created;
        if (net.mtu != 0 && net.mtu != mtu) {
          changed |= propagateMtu(spec.networkId(), net, mtu);
        }
        net.spec = spec;
        net.mtu = mtu;
        net.underlayLink = underlay.linkName();
        networks.put(spec.networkId(), net);
        return net.state(changed);
      } catch (RuntimeException e) {
        if (!networks.containsKey(spec.networkId())) {
          net.close();
          if (created) {
            rollbackNamespace(spec.networkId(), e);
          }
        }
        throw e;
      }
    }
  }

  /** A new MTU (the underlay's changed, or the override) reaches the endpoints already attached. */
  private boolean propagateMtu(String networkId, OverlayNetwork net, int mtu) {
    boolean changed = false;
    for (Attached a : endpoints.values()) {
      if (a.spec().networkId().equals(networkId)) {
        net.netlink.links().setMtu(a.state().hostIfName(), mtu);
        sandboxes.get(a.spec().sandboxNamespace()).netlink.links().setMtu(a.state().ifName(), mtu);
        changed = true;
      }
    }
    return changed;
  }

  /** The netlink socket of a network's namespace, opened by a thread inside it. */
  private static NetlinkHandle openHere(boolean loopbackUp) {
    NetlinkHandle nl = NetlinkHandle.openCurrent();
    try {
      if (loopbackUp) {
        nl.links().setUp("lo");
      }
      return nl;
    } catch (RuntimeException e) {
      nl.close();
      throw e;
    }
  }

  /**
   * Opens the network's namespace and its netlink socket; a new namespace is created with loopback
   * up, its socket opened by the very thread that unshared into it (no second setns).
   */
  OverlayNetwork openNamespace(String networkId, boolean create) {
    if (create) {
      Namespaces.Created<NetlinkHandle> c = namespaces.create(networkId, () -> openHere(true));
      return new OverlayNetwork(c.namespace(), c.value());
    }
    NetNamespace ns = namespaces.open(networkId);
    try {
      NetlinkHandle nl = Namespaces.runIn(ns, () -> openHere(false));
      return new OverlayNetwork(ns, nl);
    } catch (RuntimeException e) {
      ns.close();
      throw e;
    }
  }

  private void rollbackNamespace(String networkId, RuntimeException cause) {
    try {
      namespaces.delete(networkId);
    } catch (RuntimeException e) {
      cause.addSuppressed(e);
    }
  }

  NetlinkHandle host() {
    return host;
  }

  @Override
  public void removeNetwork(String networkId) {
    OverlayIds.check("networkId", networkId);
    synchronized (lock) {
      List<String> users = endpoints.values().stream().filter(a -> a.spec().networkId().equals(networkId))
          .map(a -> a.spec().endpointId()).toList();
      if (!users.isEmpty()) {
        throw CnmException.failedPrecondition(ErrorReason.NETWORK_HAS_ENDPOINTS, "overlay network " + networkId
            + " still has endpoints attached on this node: " + users);
      }
      OverlayNetwork net = networks.remove(networkId);
      if (net == null && namespaces.exists(networkId)) {
        net = openNamespace(networkId, false);
      }
      if (net != null) {
        try {
          // deleted now rather than with the namespace: the kernel tears a namespace down
          // asynchronously, and until then the VNI and port would still be taken
          for (VxlanDevice d : VxlanLinks.list(net.netlink)) {
            net.netlink.links().deleteIfPresent(d.index());
          }
        } finally {
          net.close();
        }
      }
      namespaces.delete(networkId);
    }
  }

  @Override
  public EndpointState attachEndpoint(OverlayEndpointSpec spec) {
    synchronized (lock) {
      Attached existing = endpoints.get(spec.endpointId());
      Optional<EndpointState> same = existing == null ? Optional.empty()
          : AttachGuard.reattach(spec.endpointId(), spec, existing.spec(), existing.state());
      if (same.isPresent()) {
        return same.get();
      }
      OverlayNetwork net = AttachGuard.readyNetwork(networks.get(spec.networkId()), "overlay network", spec.networkId());
      checkAddress("ipv4", spec.ipv4(), net.spec.subnetV4(), spec.networkId());
      checkAddress("ipv6", spec.ipv6(), net.spec.subnetV6(), spec.networkId());
      SandboxHandles.Entry sb = sandboxes.acquire(spec.sandboxNamespace());
      try {
        EndpointState state = plumb(spec, net, sb);
        endpoints.put(spec.endpointId(), new Attached(spec, state));
        return state;
      } catch (RuntimeException e) {
        sandboxes.release(spec.sandboxNamespace());
        throw e;
      }
    }
  }

  private static void checkAddress(String field, IpPrefix address, IpPrefix subnet, String networkId) {
    if (address != null && (subnet == null || !subnet.contains(address.address()))) {
      throw CnmException.invalidArgument(field, field + " " + address + " is outside overlay network " + networkId
          + "'s subnet " + subnet);
    }
  }

  /** Creates the veth with its peer born in the sandbox, then addresses and routes it; rolls back on failure. */
  private EndpointState plumb(OverlayEndpointSpec spec, OverlayNetwork net, SandboxHandles.Entry sb) {
    String hostIf = spec.hostIfName();
    Optional<EndpointState> adopted = EndpointAdoption.tryAdopt(spec, net, sb.netlink);
    if (adopted.isPresent()) {
      return adopted.get();
    }
    // any other host end of that name is a leftover: the network's namespace is ours alone
    net.netlink.links().find(hostIf).ifPresent(stale -> net.netlink.links().deleteIfPresent(stale.index()));
    MacAddress mac = spec.effectiveMac();
    net.netlink.links().add(LinkSpec.of(hostIf, new Veth(spec.ifName(), mac, net.mtu, sb.namespace.fd()))
        .withMtu(net.mtu).withMaster(net.bridgeIndex).withAlias(OverlayIds.mark(spec.endpointId())));
    try {
      // no IPv6 link-local where no IPv6 is carried (as the bridge driver): its DAD and MLD
      // multicast would be flooded to every port and, through the VXLAN, to every peer node
      NetlinkHandle in = sb.netlink;
      Veth.bringUp(net.netlink.links(), hostIf, in.links(), spec.ifName(), spec.ipv6() != null);
      int index = in.links().get(spec.ifName()).index();
      List<IpPrefix> addrs = new ArrayList<>(2);
      for (IpPrefix p : new IpPrefix[] {spec.ipv4(), spec.ipv6()}) {
        if (p == null) {
          continue;
        }
        in.addresses().replace(index, p);
        addrs.add(p);
        InetAddress gw = p.isIpv4() ? net.spec.gatewayV4() : net.spec.gatewayV6();
        if (gw != null && !net.spec.internal()) {
          try {
            in.routes().add(Route.defaultVia(gw, index));
          } catch (AlreadyExistsException other) {
            // the sandbox already has a way out (another network's): keep it
          }
        }
      }
      LinkReadiness.await(in, spec.ifName());
      LinkReadiness.await(net.netlink, hostIf);
      return new EndpointState(spec.endpointId(), spec.sandboxId(), hostIf, spec.ifName(), index, mac, addrs);
    } catch (RuntimeException e) {
      try {
        net.netlink.links().delete(hostIf);
      } catch (RuntimeException rollback) {
        e.addSuppressed(rollback);
      }
      throw e;
    }
  }

  @Override
  public void detachEndpoint(String endpointId) {
    OverlayIds.check("endpointId", endpointId);
    synchronized (lock) {
      detachLocked(endpointId);
    }
  }

  void detachLocked(String endpointId) {
    Attached a = endpoints.remove(endpointId);
    if (a == null) {
      return;
    }
    try {
      OverlayNetwork net = networks.get(a.spec().networkId());
      if (net != null) {
        Optional<Link> l = net.netlink.links().find(a.state().hostIfName());
        if (l.isPresent() && endpointId.equals(OverlayIds.ownerOf(l.get().alias()))) {
          net.netlink.links().deleteIfPresent(l.get().index());
        }
      }
    } finally {
      sandboxes.release(a.spec().sandboxNamespace());
    }
  }

  @Override
  public Optional<EndpointState> endpoint(String endpointId) {
    synchronized (lock) {
      return Optional.ofNullable(endpoints.get(endpointId)).map(Attached::state);
    }
  }

  @Override
  public PeerChanges setPeers(String networkId, Set<Peer> peers) {
    OverlayIds.check("networkId", networkId);
    synchronized (lock) {
      OverlayNetwork net = AttachGuard.readyNetwork(networks.get(networkId), "overlay network", networkId);
      PeerProgrammer.validate(net.spec, peers);
      net.desiredPeers = Set.copyOf(peers);
      return PeerProgrammer.apply(net, net.desiredPeers);
    }
  }

  @Override
  public List<OverlayNetworkState> networks() {
    synchronized (lock) {
      return networks.values().stream().map(n -> n.state(false)).toList();
    }
  }

  @Override
  public ReconcileReport reconcile(OverlayDesiredState desired) {
    synchronized (lock) {
      return new OverlayReconciler(this).run(desired);
    }
  }

  /** Addresses on a link that cnm configures (link-local ones are the kernel's). */
  static List<IpPrefix> configuredAddresses(NetlinkHandle nl, int index) {
    List<IpPrefix> out = new ArrayList<>();
    for (Address a : nl.addresses().list(index, RtnetlinkH.AF_UNSPEC)) {
      if (a.scope() == RtnetlinkH.RT_SCOPE_UNIVERSE) {
        out.add(a.prefix());
      }
    }
    return out;
  }

  @Override
  public void close() {
    synchronized (lock) {
      sandboxes.closeAll();
      networks.values().forEach(OverlayNetwork::close);
      networks.clear();
      host.close();
    }
  }
}
