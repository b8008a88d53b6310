package dev.cnm.agent.dataplane;

import dev.cnm.agent.dataplane.SandboxRegistry.Sandbox;
import dev.cnm.agent.netlink.MacAddress;
import dev.cnm.agent.netlink.Mtu;
import dev.cnm.agent.netlink.NetlinkHandle;
import dev.cnm.agent.netlink.Route;
import dev.cnm.agent.netlink.codec.RtnetlinkH;
import dev.cnm.agent.netlink.link.Bridge;
import dev.cnm.agent.netlink.link.Link;
import dev.cnm.agent.netlink.link.LinkSpec;
import dev.cnm.agent.netlink.link.Veth;
import dev.cnm.agent.netlink.sys.AlreadyExistsException;
import dev.cnm.agent.netlink.sys.LibC;
import dev.cnm.agent.netns.Namespaces;
import dev.cnm.agent.netns.Sysctl;
import dev.cnm.api.v1.ErrorReason;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.ids.Ids;
import dev.cnm.runtime.net.IpPrefix;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@link BridgeDataplane} on netlink and network namespaces.
 *
 * <p>Detach from a live sandbox is split in two because deleting a veth costs ~15-30 ms of
 * kernel time (its unregister waits for RCU grace periods, partly under RTNL), while everything
 * else on the Leave path takes ~2 ms. The detach itself only takes the sandbox end out of
 * service: down (no traffic, its routes go) and renamed {@code cnmgc<host end's ifindex>}, so the
 * sandbox can take the same name (eth0) for another endpoint at once. The host end, still marked,
 * is then deleted by a {@link LinkReaper} in the background, which removes both ends. When the
 * sandbox end cannot be renamed (the namespace is gone, the interface is not the one attached),
 * the veth is deleted synchronously as before.
 */
final class KernelBridgeDataplane implements BridgeDataplane {
  /** The name a detached sandbox end takes until the reaper deletes its pair; never an ethN. */
  static final String RETIRED_PREFIX = "cnmgc";

  /** An attached endpoint: what was asked and what the kernel holds. */
  record Attached(EndpointSpec spec, EndpointState state) {}

  private final Object lock = new Object();
  private final DataplaneConfig config;
  private final NetlinkHandle host;
  // guarded by lock: networks, endpoints, sandboxes (and every kernel change)
  private final Map<String, NetworkSpec> networks = new HashMap<>();
  /** networkId -> the bridge's ifindex, saved by ensureNetwork so an attach need not look it up. */
  private final Map<String, Integer> bridgeIndexes = new HashMap<>();
  private final Map<String, Attached> endpoints = new HashMap<>();
  private final SandboxRegistry sandboxes;
  private final LinkReaper reaper;

  private KernelBridgeDataplane(DataplaneConfig config, NetlinkHandle host, SandboxRegistry sandboxes,
      LinkReaper reaper) {
    this.config = config;
    this.host = host;
    this.sandboxes = sandboxes;
    this.reaper = reaper;
  }

  static KernelBridgeDataplane open(DataplaneConfig config) {
    LibC.load();
    SandboxRegistry sandboxes = new SandboxRegistry(new Namespaces(config.stateDir()));
    NetlinkHandle host = NetlinkHandle.openInOrCurrent(config.hostNamespace());
    try {
      // the reaper's own socket: this dataplane's is used under its lock, the reaper's thread runs outside it
      LinkReaper reaper = new LinkReaper(NetlinkHandle.openInOrCurrent(config.hostNamespace()));
      return new KernelBridgeDataplane(config, host, sandboxes, reaper);
    } catch (RuntimeException e) {
      host.close();
      throw e;
    }
  }

  NetlinkHandle host() {
    return host;
  }

  Object lock() {
    return lock;
  }

  Map<String, NetworkSpec> networks() {
    return networks;
  }

  Map<String, Attached> attached() {
    return endpoints;
  }

  SandboxRegistry sandboxRegistry() {
    return sandboxes;
  }

  LinkReaper reaper() {
    return reaper;
  }

  @Override
  public boolean ensureNetwork(NetworkSpec spec) {
    synchronized (lock) {
      boolean changed = false;
      Optional<Link> found = host.links().find(spec.bridgeName());
      Link br;
      if (found.isEmpty()) {
        host.links().add(LinkSpec.of(spec.bridgeName(), new Bridge()).withMtu(spec.mtu())
            .withAlias(KernelNames.mark(spec.networkId())).withUp(true));
        br = host.links().get(spec.bridgeName());
        changed = true;
      } else {
        br = found.get();
        if (!spec.networkId().equals(KernelNames.ownerOf(br.alias())) || !br.kind().equals("bridge")) {
          throw CnmException.failedPrecondition(ErrorReason.LINK_NOT_OWNED, "a link named " + spec.bridgeName()
              + " exists and is not network " + spec.networkId() + "'s bridge (kind '" + br.kind()
              + "', alias '" + br.alias() + "'): cnm will not take it over");
        }
        if (br.mtu() != spec.mtu()) {
          host.links().setMtu(spec.bridgeName(), spec.mtu());
          changed = true;
        }
        if (!br.isUp()) {
          host.links().setUp(spec.bridgeName());
          changed = true;
        }
      }
      changed |= ensureGateway(br.index(), spec.gatewayV4());
      changed |= ensureGateway(br.index(), spec.gatewayV6());
      if (config.enableForwarding() && (spec.gatewayV4() != null || spec.gatewayV6() != null)) {
        enableForwarding(spec.gatewayV6() != null);
      }
      networks.put(spec.networkId(), spec);
      bridgeIndexes.put(spec.networkId(), br.index());
      return changed;
    }
  }

  private boolean ensureGateway(int bridgeIndex, IpPrefix gateway) {
    if (gateway == null) {
      return false;
    }
    int family = gateway.isIpv4() ? RtnetlinkH.AF_INET : RtnetlinkH.AF_INET6;
    boolean present = host.addresses().list(bridgeIndex, family).stream().anyMatch(a -> a.prefix().equals(gateway));
    if (!present) {
      host.addresses().replace(bridgeIndex, gateway);
    }
    return !present;
  }

  private void enableForwarding(boolean ipv6) {
    if (config.hostNamespace() == null) {
      Sysctl.enableForwarding(ipv6);
    } else {
      Namespaces.runIn(config.hostNamespace(), () -> {
        Sysctl.enableForwarding(ipv6);
        return null;
      });
    }
  }

  @Override
  public void removeNetwork(String networkId) {
    Ids.check("networkId", networkId);
    synchronized (lock) {
      List<String> users = endpoints.values().stream().filter(a -> a.spec().networkId().equals(networkId))
          .map(a -> a.spec().endpointId()).toList();
      if (!users.isEmpty()) {
        throw CnmException.failedPrecondition(ErrorReason.NETWORK_HAS_ENDPOINTS, "network " + networkId
            + " still has endpoints attached on this node: " + users);
      }
      NetworkSpec spec = networks.remove(networkId);
      bridgeIndexes.remove(networkId);
      for (Link l : host.links().list()) {
        if (networkId.equals(KernelNames.ownerOf(l.alias())) && l.kind().equals("bridge")
            && (spec == null || l.name().equals(spec.bridgeName()))) {
          host.links().deleteIfPresent(l.index());
        }
      }
    }
  }

  @Override
  public SandboxState createSandbox(String sandboxId) {
    Ids.check("sandboxId", sandboxId);
    synchronized (lock) {
      return sandboxes.createOwned(sandboxId).state();
    }
  }

  @Override
  public SandboxState useExternalSandbox(String sandboxId, Path namespacePath) {
    Ids.check("sandboxId", sandboxId);
    if (namespacePath == null) {
      throw CnmException.invalidArgument("namespacePath", "an external sandbox needs a namespace path");
    }
    synchronized (lock) {
      return sandboxes.openExternal(sandboxId, namespacePath).state();
    }
  }

  @Override
  public void deleteSandbox(String sandboxId) {
    Ids.check("sandboxId", sandboxId);
    synchronized (lock) {
      boolean owned = !sandboxes.isOpen(sandboxId) || sandboxes.get(sandboxId).namespace().owned();
      for (Attached a : List.copyOf(endpoints.values())) {
        if (a.spec().sandboxId().equals(sandboxId)) {
          if (owned) {
            // the namespace's deletion removes the veth pair, off our path
            endpoints.remove(a.spec().endpointId());
          } else {
            detachLocked(a.spec().endpointId());
          }
        }
      }
      sandboxes.remove(sandboxId);
    }
  }

  @Override
  public EndpointState attachEndpoint(EndpointSpec spec) {
    synchronized (lock) {
      Attached existing = endpoints.get(spec.endpointId());
      Optional<EndpointState> same = existing == null ? Optional.empty()
          : AttachGuard.reattach(spec.endpointId(), spec, existing.spec(), existing.state());
      if (same.isPresent()) {
        return same.get();
      }
      NetworkSpec net = AttachGuard.readyNetwork(networks.get(spec.networkId()), "network", spec.networkId());
      if (spec.ipv6() != null && net.mtu() < Mtu.MIN_IPV6) {
        throw CnmException.invalidArgument("ipv6", "network " + net.networkId() + " has MTU " + net.mtu()
            + ", below IPv6's minimum of " + Mtu.MIN_IPV6);
      }
      Sandbox sb = sandboxes.get(spec.sandboxId());
      EndpointState state = plumb(spec, net, sb);
      endpoints.put(spec.endpointId(), new Attached(spec, state));
      return state;
    }
  }

  /** Creates the veth with its peer born in the sandbox, then addresses and routes it; rolls back on failure. */
  EndpointState plumb(EndpointSpec spec, NetworkSpec net, Sandbox sb) {
    int bridgeIndex = bridgeIndexes.get(net.networkId());
    MacAddress mac = spec.effectiveMac();
    // no IPv6 link-local on the host end (a bridge port needs none), nor on the sandbox end
    // unless the endpoint has IPv6: each one's DAD probe and MLD reports are flooded to every port
    LinkSpec veth = LinkSpec.of(spec.hostIfName(), new Veth(spec.ifName(), mac, net.mtu(), sb.namespace().fd()))
        .withMtu(net.mtu()).withMaster(bridgeIndex).withAlias(KernelNames.mark(spec.endpointId()));
    addHostEnd(veth, spec.endpointId());
    try {
      NetlinkHandle in = sb.netlink();
      Veth.bringUp(host.links(), spec.hostIfName(), in.links(), spec.ifName(), spec.ipv6() != null);
      int index = in.links().get(spec.ifName()).index();
      List<IpPrefix> addrs = new ArrayList<>(2);
      if (spec.ipv4() != null) {
        in.addresses().replace(index, spec.ipv4());
        addrs.add(spec.ipv4());
        if (net.gatewayV4() != null && spec.routesDefault()) {
          in.routes().replace(Route.defaultVia(net.gatewayV4().address(), index));
        }
      }
      if (spec.ipv6() != null) {
        in.addresses().replace(index, spec.ipv6());
        addrs.add(spec.ipv6());
        if (net.gatewayV6() != null && spec.routesDefault()) {
          in.routes().replace(Route.defaultVia(net.gatewayV6().address(), index));
        }
      }
      return new EndpointState(spec.endpointId(), spec.sandboxId(), spec.hostIfName(), spec.ifName(), index, mac, addrs);
    } catch (RuntimeException e) {
      try {
        host.links().delete(spec.hostIfName());
      } catch (RuntimeException rollback) {
        e.addSuppressed(rollback);
      }
      throw e;
    }
  }

  /**
   * Creates the veth. The same endpoint may re-join right after its previous sandbox was
   * deleted, while the kernel is still tearing that veth down: a name held by our own mark is
   * then deleted (or found gone) and the create retried; a name held by anyone else is an error.
   */
  private void addHostEnd(LinkSpec veth, String endpointId) {
    for (int attempt = 1; ; attempt++) {
      try {
        host.links().add(veth);
        return;
      } catch (AlreadyExistsException e) {
        Optional<Link> old = host.links().find(veth.name());
        if (attempt == 5 || (old.isPresent() && !endpointId.equals(KernelNames.ownerOf(old.get().alias())))) {
          throw e;
        }
        old.ifPresent(l -> host.links().deleteIfPresent(l.index()));
      }
    }
  }

  @Override
  public void detachEndpoint(String endpointId) {
    Ids.check("endpointId", endpointId);
    synchronized (lock) {
      detachLocked(endpointId);
    }
  }

  /** See the class comment: the veth goes to the reaper once its sandbox end is out of service. */
  void detachLocked(String endpointId) {
    Attached a = endpoints.remove(endpointId);
    String name = a != null ? a.spec().hostIfName() : KernelNames.hostInterfaceFor(endpointId);
    Optional<Link> l = host.links().find(name);
    if (l.isEmpty() || !endpointId.equals(KernelNames.ownerOf(l.get().alias()))) {
      return;
    }
    Link hostEnd = l.get();
    boolean queued = a != null && retireSandboxEnd(a, hostEnd)
        && reaper.reap(new LinkReaper.Doomed(hostEnd.index(), hostEnd.name(), hostEnd.alias()));
    if (!queued) {
      host.links().deleteIfPresent(hostEnd.index());
    }
  }

  /**
   * Sets the endpoint's sandbox end down and renames it after its host end's ifindex (unique
   * while the pair lives); false when that is not possible, and the caller deletes the pair now.
   */
  private boolean retireSandboxEnd(Attached a, Link hostEnd) {
    if (!sandboxes.isOpen(a.spec().sandboxId())) {
      return false;
    }
    NetlinkHandle in = sandboxes.get(a.spec().sandboxId()).netlink();
    String ifName = a.spec().ifName();
    try {
      Optional<Link> inner = in.links().find(ifName);
      if (inner.isEmpty() || inner.get().index() != a.state().ifIndex()) {
        return false;
      }
      in.links().setDown(ifName);
      in.links().setName(ifName, RETIRED_PREFIX + hostEnd.index());
      return true;
    } catch (RuntimeException e) {
      // e.g. the external namespace went away or the name is taken: the synchronous delete still works
      return false;
    }
  }

  @Override
  public Optional<EndpointState> endpoint(String endpointId) {
    synchronized (lock) {
      return Optional.ofNullable(endpoints.get(endpointId)).map(Attached::state);
    }
  }

  @Override
  public List<SandboxState> sandboxes() {
    synchronized (lock) {
      return sandboxes.all().stream().map(Sandbox::state).toList();
    }
  }

  @Override
  public java.util.Map<String, dev.cnm.agent.netns.NetNamespace> namespaces() {
    synchronized (lock) {
      java.util.Map<String, dev.cnm.agent.netns.NetNamespace> out = new java.util.HashMap<>();
      for (Sandbox s : sandboxes.all()) {
        out.put(s.id(), s.namespace());
      }
      return out;
    }
  }

  @Override
  public ReconcileReport reconcile(DesiredState desired) {
    synchronized (lock) {
      return new Reconciler(this).run(desired);
    }
  }

  @Override
  public void close() {
    synchronized (lock) {
      reaper.close();
      sandboxes.closeAll();
      host.close();
    }
  }
}
