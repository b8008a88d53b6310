package dev.cnm.agent.dataplane;

import dev.cnm.agent.dataplane.KernelBridgeDataplane.Attached;
import dev.cnm.agent.dataplane.SandboxRegistry.Sandbox;
import dev.cnm.agent.netlink.Address;
import dev.cnm.agent.netlink.NetlinkHandle;
import dev.cnm.agent.netlink.Route;
import dev.cnm.agent.netlink.codec.RtnetlinkH;
import dev.cnm.agent.netlink.link.Link;
import dev.cnm.api.v1.ErrorReason;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.runtime.net.IpPrefix;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One level-triggered pass: the desired snapshot against the kernel's actual state. Removals
 * come first (endpoints, sandboxes, networks), then creations in dependency order (networks,
 * sandboxes, endpoints), then a sweep of stray owned links. Each object's failure is recorded
 * and the pass goes on. Runs under the dataplane's lock.
 */
final class Reconciler {
  private final KernelBridgeDataplane dp;
  private final ReconcileLog log = new ReconcileLog();
  private final List<String> created = log.created();
  private final List<String> removed = log.removed();
  private final List<String> drift = log.drift();
  private final Map<String, CnmException> failed = log.failed();

  Reconciler(KernelBridgeDataplane dp) {
    this.dp = dp;
  }

  ReconcileReport run(DesiredState desired) {
    Set<String> netIds = new HashSet<>();
    desired.networks().forEach(n -> netIds.add(n.networkId()));
    Set<String> sbIds = new HashSet<>();
    desired.sandboxes().forEach(s -> sbIds.add(s.sandboxId()));
    Set<String> epIds = new HashSet<>();
    desired.endpoints().forEach(e -> epIds.add(e.endpointId()));

    for (String id : List.copyOf(dp.attached().keySet())) {
      if (!epIds.contains(id)) {
        log.step("endpoint/" + id, removed, () -> dp.detachLocked(id));
      }
    }
    SandboxRegistry sandboxes = dp.sandboxRegistry();
    for (Sandbox s : List.copyOf(sandboxes.all())) {
      if (!sbIds.contains(s.id())) {
        log.step("sandbox/" + s.id(), removed, () -> dp.deleteSandbox(s.id()));
      }
    }
    for (String id : sandboxes.ownedOnDisk()) {
      if (!sbIds.contains(id) && !sandboxes.isOpen(id)) {
        log.step("sandbox/" + id, removed, () -> sandboxes.deleteOwned(id));
      }
    }
    for (NetworkSpec n : desired.networks()) {
      boolean existed = dp.host().links().find(n.bridgeName()).isPresent();
      try {
        if (dp.ensureNetwork(n)) {
          (existed ? drift : created).add("network/" + n.networkId());
        }
      } catch (CnmException e) {
        failed.put("network/" + n.networkId(), e);
      }
    }
    for (String id : List.copyOf(dp.networks().keySet())) {
      if (!netIds.contains(id)) {
        log.step("network/" + id, removed, () -> dp.removeNetwork(id));
      }
    }
    Set<String> onDiskNow = new HashSet<>(sandboxes.ownedOnDisk());
    for (SandboxSpec s : desired.sandboxes()) {
      if (sandboxes.isOpen(s.sandboxId())) {
        continue;
      }
      // a namespace file of ours left by a previous agent run is re-opened, not created
      boolean onDisk = s.externalPath() == null && onDiskNow.contains(s.sandboxId());
      List<String> into = s.externalPath() != null || onDisk ? new ArrayList<>() : created;
      log.step("sandbox/" + s.sandboxId(), into, () -> {
        if (s.externalPath() == null) {
          sandboxes.createOwned(s.sandboxId());
        } else {
          sandboxes.openExternal(s.sandboxId(), s.externalPath());
        }
      });
    }
    for (EndpointSpec e : desired.endpoints()) {
      try {
        endpoint(e);
      } catch (CnmException ex) {
        failed.put("endpoint/" + e.endpointId(), ex);
      }
    }
    sweepStrayLinks(netIds, epIds);
    return log.report();
  }

  private void endpoint(EndpointSpec e) {
    String key = "endpoint/" + e.endpointId();
    Attached a = dp.attached().get(e.endpointId());
    if (a != null) {
      if (!a.spec().equals(e)) {
        dp.detachLocked(e.endpointId());
        dp.attachEndpoint(e);
        drift.add(key);
      }
      return;
    }
    if (failed.containsKey("network/" + e.networkId()) || failed.containsKey("sandbox/" + e.sandboxId())) {
      throw new CnmException(ErrorKind.FAILED_PRECONDITION, ErrorReason.DEPENDENCY_FAILED, key
          + ": its network or sandbox could not be converged", Map.of(), null);
    }
    Optional<Link> hostEnd = dp.host().links().find(e.hostIfName())
        .filter(l -> e.endpointId().equals(KernelNames.ownerOf(l.alias())));
    if (hostEnd.isPresent() && adopt(e, hostEnd.get())) {
      return;
    }
    if (hostEnd.isPresent()) {
      dp.host().links().deleteIfPresent(hostEnd.get().index());
      dp.attachEndpoint(e);
      drift.add(key);
      return;
    }
    dp.attachEndpoint(e);
    created.add(key);
  }

  /**
   * After an agent restart: takes over an endpoint the kernel still holds when its veth is a
   * port of the right bridge and its sandbox end exists; repairs missing addresses.
   */
  private boolean adopt(EndpointSpec e, Link hostEnd) {
    NetworkSpec net = dp.networks().get(e.networkId());
    if (net == null || !dp.sandboxRegistry().isOpen(e.sandboxId())) {
      return false;
    }
    Optional<Link> bridge = dp.host().links().find(net.bridgeName());
    if (bridge.isEmpty() || hostEnd.masterIndex() != bridge.get().index()) {
      return false;
    }
    NetlinkHandle in = dp.sandboxRegistry().get(e.sandboxId()).netlink();
    Optional<Link> inner = in.links().find(e.ifName());
    // the kernel omits IFLA_LINK when the peer's index equals the host end's own
    int peer = hostEnd.parentIndex() != 0 ? hostEnd.parentIndex() : hostEnd.index();
    // a host end whose detach was under way pairs with a renamed sandbox end, not with this name
    if (inner.isEmpty() || inner.get().index() != peer
        || (e.mac() != null && !e.mac().equals(inner.get().mac()))) {
      return false;
    }
    int index = inner.get().index();
    List<IpPrefix> want = new ArrayList<>();
    if (e.ipv4() != null) {
      want.add(e.ipv4());
    }
    if (e.ipv6() != null) {
      want.add(e.ipv6());
    }
    List<IpPrefix> have = in.addresses().list(index, RtnetlinkH.AF_UNSPEC).stream().map(Address::prefix).toList();
    boolean repaired = !inner.get().isUp() || !hostEnd.isUp();
    if (!inner.get().isUp()) {
      in.links().setUp(e.ifName());
    }
    if (!hostEnd.isUp()) {
      dp.host().links().setUp(e.hostIfName());
    }
    for (IpPrefix p : want) {
      if (!have.contains(p)) {
        in.addresses().replace(index, p);
        repaired = true;
      }
    }
    repaired |= ensureDefaultRoute(in, e, index, net.gatewayV4(), RtnetlinkH.AF_INET, e.ipv4() != null);
    repaired |= ensureDefaultRoute(in, e, index, net.gatewayV6(), RtnetlinkH.AF_INET6, e.ipv6() != null);
    dp.attached().put(e.endpointId(), new Attached(e,
        new EndpointState(e.endpointId(), e.sandboxId(), e.hostIfName(), e.ifName(), index, inner.get().mac(), want)));
    if (repaired) {
      drift.add("endpoint/" + e.endpointId());
    }
    return true;
  }

  /** The sandbox's default route via the gateway (the endpoint that routes it, as attach does); true if it had to be added. */
  private static boolean ensureDefaultRoute(NetlinkHandle in, EndpointSpec e, int index, IpPrefix gateway,
      int family, boolean hasAddress) {
    if (gateway == null || !hasAddress || !e.routesDefault()) {
      return false;
    }
    boolean present = in.routes().list(family).stream()
        .anyMatch(r -> r.isDefault() && gateway.address().equals(r.gateway()) && r.outIndex() == index);
    if (!present) {
      in.routes().replace(Route.defaultVia(gateway.address(), index));
    }
    return !present;
  }

  /**
   * Deletes the bridges and veths marked {@code cnm:<id>} whose id is neither a desired network
   * nor endpoint. Other kinds (an overlay's VXLAN device, a macvlan) belong to other drivers'
   * reconcilers, so this one leaves them alone even when marked.
   */
  private void sweepStrayLinks(Set<String> netIds, Set<String> epIds) {
    for (Link l : dp.host().links().list()) {
      String owner = KernelNames.ownerOf(l.alias());
      boolean ours = l.kind().equals("bridge") || l.kind().equals("veth");
      if (owner != null && ours && !netIds.contains(owner) && !epIds.contains(owner)) {
        log.step("link/" + l.name(), removed, () -> dp.host().links().deleteIfPresent(l.index()));
      }
    }
  }
}
