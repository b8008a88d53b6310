package dev.cnm.agent.apply;

import dev.cnm.api.v1.ErrorReason;
import dev.cnm.agent.dataplane.EndpointState;
import dev.cnm.agent.dataplane.ReconcileReport;
import dev.cnm.agent.driver.DriverRegistry;
import dev.cnm.agent.driver.NodeDriver;
import dev.cnm.agent.driver.SandboxKeeper;
import dev.cnm.agent.firewall.FirewallNetwork;
import dev.cnm.agent.firewall.FirewallState;
import dev.cnm.agent.firewall.NftFirewall;
import dev.cnm.agent.firewall.PublishedPort;
import dev.cnm.agent.proxy.UserlandProxy;
import dev.cnm.agent.session.SnapshotApplier;
import dev.cnm.api.v1.DesiredState;
import dev.cnm.api.v1.NodeEndpoint;
import dev.cnm.api.v1.NodeNetwork;
import dev.cnm.api.v1.NodeSandbox;
import dev.cnm.api.v1.ObjectKind;
import dev.cnm.api.v1.ObjectStatus;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.grpc.GrpcErrors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the controller's snapshots to this node through the drivers' data halves in the
 * {@link DriverRegistry}: every driver first lets go of what leaves the sandboxes, the sandbox
 * keeper (bridge) then reconciles the sandboxes with its own networks and endpoints, and every
 * other driver (overlay) then realises its networks and endpoints in those sandboxes. Then the
 * firewall (one nftables table) and the userland proxies are set to the drivers' networks and
 * published ports, each sandbox's hosts and resolv.conf are written (and removed with the
 * sandbox), and the sandboxes' embedded DNS resolvers are started, updated and closed
 * ({@link SandboxDns}). Every step works from the whole desired state, so a repeated or reordered snapshot
 * converges the same way.
 */
public final class DataplaneApplier implements SnapshotApplier {
  private static final Logger LOG = LoggerFactory.getLogger(DataplaneApplier.class);
  private final DriverRegistry drivers;
  private final SandboxKeeper keeper;
  private final NftFirewall firewall;
  private final UserlandProxy proxy;
  private final SandboxFileWriter files;
  /** The last snapshot applied (null before the first): what the idle tick publishes ports from. */
  private DesiredState lastDesired;
  /** The sandboxes' embedded resolvers; null where the agent runs none (tests of other parts). */
  private final SandboxDns dns;
  /** The firewall state of the last snapshot (null before the first): reused while its inputs are equal. */
  private FirewallState lastFirewall;
  private final AgentMetrics metrics;
  /** Writes sandbox files beside the kernel work; its one thread ends when idle. */
  private final java.util.concurrent.ExecutorService fileWriter = new java.util.concurrent.ThreadPoolExecutor(0, 1,
      30, java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
        Thread t = new Thread(r, "cnm-agent-sandbox-files");
        t.setDaemon(true);
        return t;
      });

  /** {@code firewall} and {@code proxy} may be null (no port publishing on this node). */
  public DataplaneApplier(DriverRegistry drivers, NftFirewall firewall, UserlandProxy proxy, SandboxFileWriter files) {
    this(drivers, firewall, proxy, files, null, AgentMetrics.none());
  }

  /** {@code dns} may be null: no sandbox gets a resolver, and resolv.conf lists the sandbox's or the node's servers. */
  public DataplaneApplier(DriverRegistry drivers, NftFirewall firewall, UserlandProxy proxy, SandboxFileWriter files,
      SandboxDns dns, AgentMetrics metrics) {
    this.drivers = drivers;
    this.dns = dns;
    this.keeper = drivers.keeper();
    this.metrics = metrics;
    this.firewall = firewall;
    this.proxy = proxy;
    this.files = files;
  }

  /**
   * The keeper's lingering bridges that are due go, and then the firewall follows: its table
   * names the drivers' networks, lingering ones included, so it is set again without them.
   */
  @Override
  public void idle() {
    ReconcileReport expired = keeper.expireLingering();
    if (!expired.removed().isEmpty() || !expired.failed().isEmpty()) {
      LOG.info("removed lingering bridges {} (failed: {})", expired.removed(), expired.failed().keySet());
      if (lastDesired != null) {
        publish(lastDesired, drivers.withDataplane());
      }
    }
  }

  @Override
  public void sessionStarted() {
    for (NodeDriver d : drivers.all()) {
      d.sessionStarted();
    }
  }

  @Override
  public List<ObjectStatus> apply(DesiredState desired) {
    lastDesired = desired;
    keeper.prepare(desired);
    List<NodeDriver> active = drivers.withDataplane();
    // what leaves a sandbox is let go of before the keeper deletes the sandboxes' namespaces
    Map<String, CnmException> driversFailed = new HashMap<>();
    for (NodeDriver d : active) {
      if (d != keeper) {
        driversFailed.putAll(d.beforeSandboxes(desired));
      }
    }
    Set<String> served = dns == null ? Set.of() : SandboxDns.served(desired);
    // the sandboxes' hosts and resolv.conf depend on the snapshot alone: written on another
    // thread while this one programs the kernel (each costs ~1 ms of file system work)
    java.util.concurrent.Future<Map<String, CnmException>> filesWritten =
        fileWriter.submit(() -> writeFiles(desired, served));
    boolean full = keeper.full();
    Set<String> previous = full ? null : keeper.lastSandboxIds();
    Set<String> next = keeper.desiredSandboxIds();
    if (dns != null) {
      dns.retain(next); // a resolver's sockets would keep a deleted sandbox's namespace (and its links) alive
    }
    ReconcileReport report = metrics.reconcile(full ? "full" : "incremental", () -> keeper.apply(desired, Map.of()));
    Map<String, Path> keys = keeper.sandboxes();
    for (NodeDriver d : active) {
      if (d != keeper) {
        metrics.reconcile(d.name(), () -> {
          ReconcileReport r = d.apply(desired, keys);
          r.failed().forEach(driversFailed::putIfAbsent);
          return r;
        });
      }
    }
    if (dns != null) {
      // after every driver: the namespaces exist and the endpoints' addresses are in place
      dns.sync(desired, served, keeper.namespaces());
    }
    Map<String, CnmException> failedObjects = new HashMap<>(driversFailed);
    failedObjects.putAll(report.failed());
    List<ObjectStatus> out = new ArrayList<>();
    for (NodeNetwork n : desired.getNetworksList()) {
      CnmException failed = failedObjects.get("network/" + n.getId());
      if (failed == null) {
        failed = drivers.unavailable(n).orElse(null);
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
      endpoint(active, e.getId()).ifPresent(es -> st.setInterfaceName(es.ifName()).setMacAddress(es.mac().toString()));
      out.add(st.build());
    }
    CnmException portsFailed = publish(desired, active);
    if (portsFailed != null) {
      out.add(status(ObjectKind.OBJECT_KIND_NODE, desired.getNode(), portsFailed).build());
    }
    return out;
  }

  /** The endpoint's interface, from the first driver that attached it. */
  private static Optional<EndpointState> endpoint(List<NodeDriver> active, String endpointId) {
    for (NodeDriver d : active) {
      Optional<EndpointState> s = d.endpoint(endpointId);
      if (s.isPresent()) {
        return s;
      }
    }
    return Optional.empty();
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
  private void collectFiles(Set<String> previous, Set<String> next, ReconcileReport report, Map<String, Path> held) {
    Set<String> keep = next;
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
      for (String id : previous) {
        if (!keep.contains(id)) {
          gone.add(id);
        }
      }
      files.remove(gone); // also retries directories an earlier removal could not delete
    }
    files.retain(keep);
  }

  /** Writes every sandbox's files ({@code served}: those whose resolv.conf names the embedded resolver); what failed, by sandbox id. */
  private Map<String, CnmException> writeFiles(DesiredState desired, Set<String> served) {
    Map<String, CnmException> failed = new HashMap<>();
    for (NodeSandbox s : desired.getSandboxesList()) {
      try {
        files.write(s, desired.getEndpointsList(), served.contains(s.getId()));
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

  private CnmException publish(DesiredState desired, List<NodeDriver> active) {
    try {
      List<PublishedPort> ports = new ArrayList<>();
      for (NodeDriver d : active) {
        ports.addAll(d.publishedPorts());
      }
      if (firewall != null) {
        List<FirewallNetwork> fw = new ArrayList<>();
        for (NodeDriver d : active) {
          fw.addAll(d.firewallNetworks());
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
      LOG.warn("publishing ports of node {} failed: {}", desired.getNode(), e.getMessage());
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
