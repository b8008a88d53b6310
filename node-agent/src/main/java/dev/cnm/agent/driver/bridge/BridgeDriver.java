package dev.cnm.agent.driver.bridge;

import dev.cnm.agent.dataplane.BridgeDataplane;
import dev.cnm.agent.dataplane.EndpointSpec;
import dev.cnm.agent.dataplane.EndpointState;
import dev.cnm.agent.dataplane.ReconcileReport;
import dev.cnm.agent.dataplane.SandboxState;
import dev.cnm.agent.driver.SandboxKeeper;
import dev.cnm.agent.firewall.FirewallNetwork;
import dev.cnm.runtime.net.IpPrefix;
import dev.cnm.agent.firewall.PublishedPort;
import dev.cnm.api.v1.DesiredState;
import dev.cnm.api.v1.NodeNetwork;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The bridge driver's data half, on the {@link BridgeDataplane}, which also keeps the node's
 * sandbox namespaces: the first snapshot of a session, and the one after any failure, is a full
 * reconcile; later ones apply only their difference from the last state applied
 * ({@link IncrementalApply}). Its networks are known to the firewall (masquerade, isolation, icc)
 * and its endpoints' port bindings are published.
 */
public final class BridgeDriver implements SandboxKeeper {
  /** The name of the driver, as the controller's bridge driver sends it. */
  public static final String NAME = "bridge";
  private final BridgeDataplane dataplane;
  /** Each snapshot's objects as dataplane specs, unchanged ones reused from the snapshot before. */
  private final SpecConverter specs;
  /** What the last snapshot applied without failures made; null forces a full reconcile. Used from the session's one thread. */
  private SpecIndex lastApplied;
  /** The snapshot {@link #prepare} translated, for the {@link #apply} that follows. */
  private SpecConverter.Converted prepared;

  /**
   * A driver on {@code dataplane}, which it then owns ({@link #close}).
   *
   * @param hostNamespace the path bound to the node's own namespace
   *     ({@link dev.cnm.agent.netns.HostNamespaceFile}), the key of host-mode sandboxes (null:
   *     this agent realises none)
   */
  public BridgeDriver(BridgeDataplane dataplane, Path hostNamespace) {
    this.dataplane = dataplane;
    this.specs = new SpecConverter(hostNamespace);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void sessionStarted() {
    lastApplied = null;
  }

  @Override
  public void prepare(DesiredState desired) {
    prepared = specs.convert(desired);
  }

  @Override
  public boolean full() {
    return lastApplied == null;
  }

  @Override
  public Set<String> lastSandboxIds() {
    return lastApplied == null ? Set.of() : lastApplied.sandboxes().keySet();
  }

  @Override
  public Set<String> desiredSandboxIds() {
    return prepared == null ? Set.of() : prepared.index().sandboxes().keySet();
  }

  /** Converges the sandboxes, bridge networks and endpoints to the snapshot {@link #prepare} translated. */
  @Override
  public ReconcileReport apply(DesiredState desired, Map<String, Path> sandboxes) {
    SpecIndex next = prepared.index();
    SpecIndex last = lastApplied;
    // the first snapshot of a session, or after a failure: level-triggered full reconcile
    ReconcileReport report = last == null ? dataplane.reconcile(next.state()) : IncrementalApply.apply(dataplane, last, next);
    lastApplied = report.failed().isEmpty() ? next : null;
    return report;
  }

  @Override
  public Map<String, Path> sandboxes() {
    List<SandboxState> held = dataplane.sandboxes();
    Map<String, Path> keys = new HashMap<>(SpecConverter.capacity(held.size()));
    for (SandboxState s : held) {
      keys.put(s.sandboxId(), s.namespacePath());
    }
    return keys;
  }

  @Override
  public Map<String, dev.cnm.agent.netns.NetNamespace> namespaces() {
    return dataplane.namespaces();
  }

  @Override
  public Optional<EndpointState> endpoint(String endpointId) {
    return dataplane.endpoint(endpointId);
  }

  /**
   * The bridge networks of the snapshot. icc off is enforced between the bridge's ports by name:
   * collected only for such networks, so joins on other networks leave the firewall state (and
   * the kernel) alone. A joining port is isolated from the firewall step on: until then (the time
   * since its attach, within this snapshot) its frames to its neighbours pass.
   */
  @Override
  public List<FirewallNetwork> firewallNetworks() {
    if (prepared == null) {
      return List.of();
    }
    Map<String, NodeNetwork> bridges = prepared.bridges();
    Map<String, List<String>> iccOffPorts = new HashMap<>();
    for (EndpointSpec e : prepared.index().endpoints().values()) {
      NodeNetwork n = bridges.get(e.networkId());
      if (n != null && !n.getBridge().getEnableIcc()) {
        iccOffPorts.computeIfAbsent(n.getId(), k -> new ArrayList<>()).add(e.hostIfName());
      }
    }
    List<FirewallNetwork> fw = new ArrayList<>();
    for (NodeNetwork n : bridges.values()) {
      List<IpPrefix> subnets = new ArrayList<>();
      if (!n.getSubnetIpv4().isEmpty()) {
        subnets.add(IpPrefix.parseSubnet(n.getSubnetIpv4()));
      }
      if (!n.getSubnetIpv6().isEmpty()) {
        subnets.add(IpPrefix.parseSubnet(n.getSubnetIpv6()));
      }
      fw.add(new FirewallNetwork(n.getName(), n.getBridge().getBridgeName(), subnets,
          n.getBridge().getEnableIpMasquerade(), n.getBridge().getEnableIcc(), n.getInternal(),
          iccOffPorts.getOrDefault(n.getId(), List.of())));
    }
    return fw;
  }

  /** The published ports of the snapshot's bridge endpoints with an IPv4 address, in endpoint order. */
  @Override
  public List<PublishedPort> publishedPorts() {
    return prepared == null ? List.of() : prepared.ports();
  }

  /** Closes the dataplane; the kernel state stays (a restarted agent adopts it). */
  @Override
  public void close() {
    dataplane.close();
  }

  /** How many objects' conversions to dataplane specs were made rather than reused (for tests). */
  int conversions() {
    return specs.conversions;
  }

  /** How many messages were compared field by field rather than by identity (for tests). */
  int fieldComparisons() {
    return specs.fieldComparisons;
  }
}
