package dev.cnm.agent.session;

import dev.cnm.api.v1.ErrorReason;
import dev.cnm.runtime.grpc.GrpcErrors;
import dev.cnm.agent.dataplane.BridgeDataplane;
import dev.cnm.agent.dataplane.ReconcileReport;
import dev.cnm.agent.dataplane.SandboxState;
import dev.cnm.agent.firewall.FirewallNetwork;
import dev.cnm.agent.firewall.FirewallState;
import dev.cnm.agent.firewall.NftFirewall;
import dev.cnm.agent.firewall.PublishedPort;
import dev.cnm.agent.proxy.UserlandProxy;
import dev.cnm.api.v1.DesiredState;
import dev.cnm.api.v1.NodeEndpoint;
import dev.cnm.api.v1.NodeNetwork;
import dev.cnm.api.v1.NodeSandbox;
import dev.cnm.api.v1.ObjectKind;
import dev.cnm.api.v1.ObjectStatus;
import dev.cnm.runtime.errors.CnmException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Applies the controller's snapshots to this node: the bridge dataplane reconciles networks,
 * sandboxes and endpoints; the {@link OverlayApplier} (when the agent has the overlay capability)
 * realises overlay networks, their endpoints in those sandboxes, their peers and the gateway
 * bridge; then the firewall (one nftables table) and the userland proxies are set to the published
 * ports, and each sandbox's hosts and resolv.conf are written (and removed with the sandbox). Every step
 * works from the whole desired state, so a repeated or reordered snapshot converges the same way.
 */
public final class DataplaneApplier implements SnapshotApplier {
  private static final Logger LOG = Logger.getLogger(DataplaneApplier.class.getName());
  private final BridgeDataplane dataplane;
  private final NftFirewall firewall;
  private final UserlandProxy proxy;
  private final SandboxFileWriter files;
  /** What the last snapshot applied without failures made; null forces a full reconcile. Used from the session's one thread. */
  private SpecIndex lastApplied;
  /** Each snapshot's objects as dataplane specs, unchanged ones reused from the snapshot before. */
  private final SpecConverter specs;
  /** The firewall state of the last snapshot (null before the first): reused while its inputs are equal. */
  private FirewallState lastFirewall;
  private final AgentMetrics metrics;
  /** Overlay networks' data half; null when the agent has no overlay capability. */
  private final OverlayApplier overlay;
  /** Writes sandbox files beside the kernel work; its one thread ends when idle. */
  private final java.util.concurrent.ExecutorService fileWriter = new java.util.concurrent.ThreadPoolExecutor(0, 1,
      30, java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
        Thread t = new Thread(r, "cnm-agent-sandbox-files");
        t.setDaemon(true);
        return t;
      });

  /** {@code firewall} and {@code proxy} may be null (no port publishing on this node). */
  public DataplaneApplier(BridgeDataplane dataplane, NftFirewall firewall, UserlandProxy proxy, SandboxFileWriter files) {
    this(dataplane, firewall, proxy, files, AgentMetrics.none());
  }

  public DataplaneApplier(BridgeDataplane dataplane, NftFirewall firewall, UserlandProxy proxy, SandboxFileWriter files,
      AgentMetrics metrics) {
    this(dataplane, firewall, proxy, files, metrics, null);
  }

  /** With overlay networks realised by {@code overlay} (null: none). */
  public DataplaneApplier(BridgeDataplane dataplane, NftFirewall firewall, UserlandProxy proxy, SandboxFileWriter files,
      AgentMetrics metrics, OverlayApplier overlay) {
    this(dataplane, firewall, proxy, files, metrics, overlay, null);
  }

  /**
   * As above; {@code hostNamespace} is the path bound to the node's own namespace
   * ({@link dev.cnm.agent.netns.HostNamespaceFile}), the key of host-mode sandboxes (null: this
   * agent realises none).
   */
  public DataplaneApplier(BridgeDataplane dataplane, NftFirewall firewall, UserlandProxy proxy, SandboxFileWriter files,
      AgentMetrics metrics, OverlayApplier overlay, Path hostNamespace) {
    this.specs = new SpecConverter(hostNamespace);
    this.overlay = overlay;
    this.metrics = metrics;
    this.dataplane = dataplane;
    this.firewall = firewall;
    this.proxy = proxy;
    this.files = files;
  }

  @Override
  public void sessionStarted() {
    lastApplied = null;
    if (overlay != null) {
      overlay.sessionStarted();
    }
  }

  @Override
  public List<ObjectStatus> apply(DesiredState desired) {
    SpecConverter.Converted converted = specs.convert(desired);
    Map<String, NodeNetwork> bridges = converted.bridges();
    List<PublishedPort> ports = converted.ports();
    SpecIndex next = converted.index();
    // overlay endpoints leave before the bridge dataplane deletes their sandboxes' namespaces
    Map<String, CnmException> overlayFailed = new HashMap<>(overlay == null ? Map.of() : overlay.detachLeaving(desired));
    // the sandboxes' hosts and resolv.conf depend on the snapshot alone: written on another
    // thread while this one programs the kernel (each costs ~1 ms of file system work)
    java.util.concurrent.Future<Map<String, CnmException>> filesWritten = fileWriter.submit(() -> writeFiles(desired));
    ReconcileReport report;
    SpecIndex previous = lastApplied;
    if (previous == null) {
      // the first snapshot of a session, or after a failure: level-triggered full reconcile
      report = metrics.reconcile("full", () -> dataplane.reconcile(next.state()));
    } else {
      SpecIndex last = lastApplied;
      report = metrics.reconcile("incremental", () -> IncrementalApply.apply(dataplane, last, next));
    }
    lastApplied = report.failed().isEmpty() ? next : null;
    List<ObjectStatus> out = new ArrayList<>();
    List<SandboxState> held = dataplane.sandboxes();
    Map<String, Path> keys = new HashMap<>(SpecConverter.capacity(held.size()));
    for (SandboxState s : held) {
      keys.put(s.sandboxId(), s.namespacePath());
    }
    if (overlay != null) {
      metrics.reconcile("overlay", () -> {
        OverlayApplier.Applied applied = overlay.apply(desired, keys);
        applied.failed().forEach(overlayFailed::putIfAbsent);
        return new ReconcileReport(List.of(), List.of(), List.of(), applied.failed());
      });
    }
    Map<String, CnmException> failedObjects = new HashMap<>(overlayFailed);
    failedObjects.putAll(report.failed());
    for (NodeNetwork n : desired.getNetworksList()) {
      CnmException failed = failedObjects.get("network/" + n.getId());
      if (failed == null && n.hasOverlay() && overlay == null) {
        failed = CnmException.failedPrecondition(ErrorReason.DRIVER_NOT_SUPPORTED, "overlay network " + n.getName()
            + ": this agent runs without the overlay capability (start it with " + AdvertiseAddress.FLAG
            + " set to a non-loopback address of this node that other nodes reach)");
      }
      out.add(status(ObjectKind.OBJECT_KIND_NETWORK, n.getId(), failed).build());
    }
    Map<String, CnmException> filesFailed = done(filesWritten);
    collectFiles(previous, next, report, keys);
    for (NodeSandbox s : desired.getSandboxesList()) {
      CnmException failed = failedObjects.get("sandbox/" + s.getId());
      Path key = keys.get(s.getId());
      if (failed == null && key != null) {
        failed = filesFailed.get(s.getId());
      }
      ObjectStatus.Builder st = status(ObjectKind.OBJECT_KIND_SANDBOX, s.getId(), failed);
      if (key != null) {
        st.setKey(key.toString());
      }
      out.add(st.build());
    }
    for (NodeEndpoint e : desired.getEndpointsList()) {
      ObjectStatus.Builder st = status(ObjectKind.OBJECT_KIND_ENDPOINT, e.getId(), failedObjects.get("endpoint/" + e.getId()));
      java.util.Optional<dev.cnm.agent.dataplane.EndpointState> state = dataplane.endpoint(e.getId());
      if (state.isEmpty() && overlay != null) {
        state = overlay.endpoint(e.getId());
      }
      state.ifPresent(es -> st.setInterfaceName(es.ifName()).setMacAddress(es.mac().toString()));
      out.add(st.build());
    }
    CnmException portsFailed = publish(desired, bridges, ports, next.endpoints().values());
    if (portsFailed != null) {
      out.add(status(ObjectKind.OBJECT_KIND_NODE, desired.getNode(), portsFailed).build());
    }
    return out;
  }

  /** How many objects' conversions to dataplane specs were made rather than reused (for tests). */
  int conversions() {
    return specs.conversions;
  }

  /** How many messages were compared field by field rather than by identity (for tests). */
  int fieldComparisons() {
    return specs.fieldComparisons;
  }

  /**
   * The sandboxes' files follow their namespaces: removed for the sandboxes that left the
   * snapshot, and for those whose create failed in this apply (no namespace, so no files: the
   * controller rolls the sandbox back, and a later snapshot that still holds it writes them
   * again). A full reconcile ({@code previous} null: a new session, or a failure before) instead
   * collects every directory without a sandbox in the snapshot, also what an earlier agent process
   * left. Runs after this snapshot's writes completed and with this snapshot's ids, so it never
   * removes the directory of a sandbox being created.
   */
  private void collectFiles(SpecIndex previous, SpecIndex next, ReconcileReport report, Map<String, Path> held) {
    Set<String> keep = next.sandboxes().keySet();
    List<String> failedCreates = new ArrayList<>();
    for (String what : report.failed().keySet()) {
      if (what.startsWith("sandbox/")) {
        String id = what.substring("sandbox/".length());
        if (keep.contains(id) && !held.containsKey(id)) {
          failedCreates.add(id);
        }
      }
    }
    if (!failedCreates.isEmpty()) {
      keep = new HashSet<>(keep);
      keep.removeAll(failedCreates);
    }
    if (previous == null) {
      files.removeAllExcept(keep);
    } else {
      List<String> gone = failedCreates;
      for (String id : previous.sandboxes().keySet()) {
        if (!keep.contains(id)) {
          gone.add(id);
        }
      }
      files.remove(gone); // also retries directories an earlier removal could not delete
    }
    files.retain(keep);
  }

  /** Writes every sandbox's files; what failed, by sandbox id. */
  private Map<String, CnmException> writeFiles(DesiredState desired) {
    Map<String, CnmException> failed = new HashMap<>();
    for (NodeSandbox s : desired.getSandboxesList()) {
      try {
        files.write(s, desired.getEndpointsList());
      } catch (RuntimeException e) {
        failed.put(s.getId(), e instanceof CnmException c ? c
            : CnmException.unavailable("sandbox files: " + e.getMessage(), e));
      }
    }
    return failed;
  }

  private static Map<String, CnmException> done(java.util.concurrent.Future<Map<String, CnmException>> f) {
    try {
      return f.get();
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CnmException.unavailable("interrupted while writing sandbox files", e);
    }
  }

  private CnmException publish(DesiredState desired, Map<String, NodeNetwork> bridges, List<PublishedPort> ports,
                               java.util.Collection<dev.cnm.agent.dataplane.EndpointSpec> endpoints) {
    try {
      if (firewall != null) {
        // icc off is enforced between the bridge's ports by name: collected only for such
        // networks, so joins on other networks leave the firewall state (and the kernel) alone.
        // A joining port is isolated from this step on: until then (the time since its attach
        // above, within this snapshot) its frames to its neighbours pass.
        Map<String, List<String>> iccOffPorts = new HashMap<>();
        for (dev.cnm.agent.dataplane.EndpointSpec e : endpoints) {
          NodeNetwork n = bridges.get(e.networkId());
          if (n != null && !n.getBridge().getEnableIcc()) {
            iccOffPorts.computeIfAbsent(n.getId(), k -> new ArrayList<>()).add(e.hostIfName());
          }
        }
        List<FirewallNetwork> fw = new ArrayList<>();
        for (NodeNetwork n : bridges.values()) {
          List<dev.cnm.agent.firewall.IpPrefix> subnets = new ArrayList<>();
          if (!n.getSubnetIpv4().isEmpty()) {
            subnets.add(dev.cnm.agent.firewall.IpPrefix.parse(n.getSubnetIpv4()));
          }
          if (!n.getSubnetIpv6().isEmpty()) {
            subnets.add(dev.cnm.agent.firewall.IpPrefix.parse(n.getSubnetIpv6()));
          }
          fw.add(new FirewallNetwork(n.getName(), n.getBridge().getBridgeName(), subnets,
              n.getBridge().getEnableIpMasquerade(), n.getBridge().getEnableIcc(), n.getInternal(),
              iccOffPorts.getOrDefault(n.getId(), List.of())));
        }
        if (overlay != null) {
          fw.addAll(overlay.firewallNetworks());
        }
        // a state is validated pairwise over its ports: built again only when its inputs change
        FirewallState state = lastFirewall != null && lastFirewall.networks().equals(fw)
            && lastFirewall.ports().equals(ports) ? lastFirewall : new FirewallState(fw, ports, true);
        lastFirewall = state;
        // each apply execs nft three times: only when the rules change (a restarted agent applies once)
        if (!firewall.appliedState().equals(java.util.Optional.of(state))) {
          firewall.apply(state);
        }
      }
      if (proxy != null) {
        proxy.sync(ports);
      }
      return null;
    } catch (RuntimeException e) {
      LOG.warning("publishing ports of node " + desired.getNode() + " failed: " + e.getMessage());
      return e instanceof CnmException c ? c : CnmException.unavailable("firewall: " + e.getMessage(), e);
    }
  }

  private static ObjectStatus.Builder status(ObjectKind kind, String id, CnmException failed) {
    ObjectStatus.Builder b = ObjectStatus.newBuilder().setKind(kind).setId(id);
    if (failed != null) {
      // the code and ErrorInfo of the failure, as a gRPC error would carry them: the controller
      // switches on the reason (e.g. an external key that is not a network namespace)
      b.setError(com.google.rpc.Status.newBuilder().setCode(GrpcErrors.codeOf(failed.kind()).value())
          .setMessage(failed.reason() + ": " + failed.getMessage())
          .addDetails(com.google.protobuf.Any.pack(com.google.rpc.ErrorInfo.newBuilder().setReason(failed.reason())
              .setDomain(GrpcErrors.DOMAIN).putAllMetadata(failed.metadata()).build())));
    }
    return b;
  }
}
