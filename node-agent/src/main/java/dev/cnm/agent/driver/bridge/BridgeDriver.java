package dev.cnm.agent.driver.bridge;

import dev.cnm.agent.dataplane.BridgeDataplane;
import dev.cnm.agent.dataplane.EndpointSpec;
import dev.cnm.agent.dataplane.EndpointState;
import dev.cnm.agent.dataplane.ReconcileReport;
import dev.cnm.agent.dataplane.SandboxState;
import dev.cnm.agent.driver.SandboxKeeper;
import dev.cnm.agent.firewall.FirewallNetwork;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.net.IpPrefix;
import dev.cnm.agent.firewall.PublishedPort;
import dev.cnm.api.v1.DesiredState;
import dev.cnm.api.v1.NodeNetwork;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * The bridge driver's data half, on the {@link BridgeDataplane}, which also keeps the node's
 * sandbox namespaces: the first snapshot of a session, and the one after any failure, is a full
 * reconcile; later ones apply only their difference from the last state applied
 * ({@link IncrementalApply}). Its networks are known to the firewall (masquerade, isolation, icc)
 * and its endpoints' port bindings are published.
 *
 * <p><b>Bridges linger.</b> The controller puts a network in a node's snapshot only while one of
 * its endpoints is joined there. When the last one leaves, the network's bridge (with its gateway
 * addresses and its firewall entries) stays on the node for {@link LingeringNetworks#LINGER}
 * (30 s), so a Join soon after finds it ready: with no other container on the network, every
 * Join would otherwise create the bridge and every Leave delete it. A network that comes back
 * with the same spec costs no kernel work; with another spec its bridge is made again. A
 * lingering bridge gives way at once to a new network that needs its name or an overlapping
 * subnet, and a full reconcile (a new session, e.g. after an agent restart, or the snapshot after
 * a failure) removes every bridge not in the snapshot, lingering ones included.
 *
 * <p>What a user sees: {@code ip link} and the agent's nftables table still show a network's
 * bridge after its last container on the node left, for 30 s, until the first snapshot or idle
 * tick after that ({@link #expireLingering}: the agent session calls it every 10 s on its own
 * thread, the only one that touches the dataplane), so at most 40 s. Deleting the network does
 * not shorten this (the controller sends a node no snapshot for a network it no longer holds).
 * Docker keeps a bridge exactly as long as its network: unlike it, cnm removes a bridge 30 s after
 * the network's last container on the node left (the next Join makes it again) and keeps a
 * deleted network's bridge up to 40 s past its last container.
 */
public final class BridgeDriver implements SandboxKeeper {
  /** The name of the driver, as the controller's bridge driver sends it. */
  public static final String NAME = "bridge";
  private final BridgeDataplane dataplane;
  /** Each snapshot's objects as dataplane specs, unchanged ones reused from the snapshot before. */
  private final SpecConverter specs;
  /** What the last snapshot applied without failures made; null forces a full reconcile. Used from the session's one thread. */
  private SpecConverter.Converted lastApplied;
  /** Networks that left the snapshot and whose bridges are kept a while; empty after a full reconcile. */
  private final LingeringNetworks lingering;
  /** The clock lingering is timed by, in nanoseconds. */
  private final LongSupplier nanoClock;
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
    this(dataplane, hostNamespace, LingeringNetworks.LINGER, System::nanoTime);
  }

  /** A driver whose bridges linger {@code linger}, timed by {@code nanoClock} (tests). */
  BridgeDriver(BridgeDataplane dataplane, Path hostNamespace, Duration linger, LongSupplier nanoClock) {
    this.dataplane = dataplane;
    this.specs = new SpecConverter(hostNamespace);
    this.lingering = new LingeringNetworks(linger);
    this.nanoClock = nanoClock;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void sessionStarted() {
    lastApplied = null;
    lingering.clear();
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
    return lastApplied == null ? Set.of() : lastApplied.index().sandboxes().keySet();
  }

  @Override
  public Set<String> desiredSandboxIds() {
    return prepared == null ? Set.of() : prepared.index().sandboxes().keySet();
  }

  /**
   * Converges the sandboxes, bridge networks and endpoints to the snapshot {@link #prepare}
   * translated; networks leaving it linger, and those that lingered long enough are removed.
   */
  @Override
  public ReconcileReport apply(DesiredState desired, Map<String, Path> sandboxes) {
    SpecConverter.Converted next = prepared;
    SpecConverter.Converted last = lastApplied;
    ReconcileReport report;
    if (last == null) {
      // the first snapshot of a session, or after a failure: level-triggered full reconcile, which
      // removes every bridge not in the snapshot (the lingering ones too)
      lingering.clear();
      report = dataplane.reconcile(next.index().state());
    } else {
      report = IncrementalApply.apply(dataplane, last, next, lingering, nanoClock.getAsLong());
    }
    lastApplied = report.failed().isEmpty() ? next : null;
    return report;
  }

  /**
   * Removes the bridges that lingered {@link LingeringNetworks#LINGER} or longer, as an apply
   * does, for a node that gets no snapshot: the agent session's idle tick calls it (through
   * {@link dev.cnm.agent.apply.DataplaneApplier#idle}) on the session's thread. A failure forces a
   * full reconcile on the next snapshot.
   */
  @Override
  public ReconcileReport expireLingering() {
    List<String> removed = new ArrayList<>();
    Map<String, CnmException> failed = new HashMap<>();
    for (String id : lingering.takeExpired(nanoClock.getAsLong())) {
      try {
        dataplane.removeNetwork(id);
        removed.add("network/" + id);
      } catch (RuntimeException e) {
        failed.put("network/" + id, e instanceof CnmException c ? c
            : CnmException.unavailable("network/" + id + ": " + e, e));
      }
    }
    if (!failed.isEmpty()) {
      lastApplied = null;
    }
    return new ReconcileReport(List.of(), removed, List.of(), failed);
  }

  /** The ids of the networks whose bridges linger now (for tests). */
  Set<String> lingeringIds() {
    return Set.copyOf(lingering.ids());
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
   * The bridge networks of the snapshot and the lingering ones, by id: a network that leaves the
   * snapshot keeps its entry while its bridge lingers, so the firewall is not rewritten when it
   * comes and goes. icc off is enforced between the bridge's ports by name:
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
    if (!lingering.isEmpty()) {
      // sorted, so that a network moving between the snapshot and the linger keeps its place
      Map<String, NodeNetwork> all = new TreeMap<>(bridges);
      for (NodeNetwork n : lingering.networks()) {
        all.putIfAbsent(n.getId(), n);
      }
      bridges = all;
    } else if (bridges.size() > 1) {
      bridges = new TreeMap<>(bridges);
    }
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
