package dev.cnm.agent.overlay;

import dev.cnm.agent.dataplane.ReconcileLog;
import dev.cnm.agent.dataplane.ReconcileReport;
import dev.cnm.agent.netlink.link.Link;
import dev.cnm.api.v1.ErrorReason;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One level-triggered pass of the overlay: removals first (endpoints, then networks, including
 * namespaces of ours that a previous agent run left), then the desired networks, their
 * endpoints, a sweep of stray endpoint links in each network's namespace, and the peers. Each
 * object's failure is recorded and the pass goes on. Runs under the dataplane's lock.
 */
final class OverlayReconciler {
  private final KernelOverlayDataplane dp;
  private final ReconcileLog log = new ReconcileLog();
  private final List<String> created = log.created();
  private final List<String> removed = log.removed();
  private final List<String> drift = log.drift();
  private final Map<String, CnmException> failed = log.failed();

  OverlayReconciler(KernelOverlayDataplane dp) {
    this.dp = dp;
  }

  ReconcileReport run(OverlayDesiredState desired) {
    Set<String> netIds = new HashSet<>();
    desired.networks().forEach(n -> netIds.add(n.networkId()));
    Map<String, OverlayEndpointSpec> eps = new LinkedHashMap<>();
    desired.endpoints().forEach(e -> eps.put(e.endpointId(), e));

    for (var a : List.copyOf(dp.attached().values())) {
      if (!a.spec().equals(eps.get(a.spec().endpointId()))) {
        String id = a.spec().endpointId();
        log.step("endpoint/" + id, eps.containsKey(id) ? drift : removed, () -> dp.detachLocked(id));
      }
    }
    Set<String> known = new HashSet<>(dp.openNetworks().keySet());
    known.addAll(dp.namespaces().list());
    for (String id : known) {
      if (!netIds.contains(id)) {
        log.step("network/" + id, removed, () -> dp.removeNetwork(id));
      }
    }
    for (OverlayNetworkSpec n : desired.networks()) {
      try {
        OverlayNetworkState s = dp.ensureNetwork(n);
        if (s.changed()) {
          (known.contains(n.networkId()) ? drift : created).add("network/" + n.networkId());
        }
      } catch (CnmException e) {
        failed.put("network/" + n.networkId(), e);
      }
    }
    for (OverlayEndpointSpec e : eps.values()) {
      if (dp.attached().containsKey(e.endpointId())) {
        continue;
      }
      if (failed.containsKey("network/" + e.networkId())) {
        failed.put("endpoint/" + e.endpointId(), new CnmException(ErrorKind.FAILED_PRECONDITION, ErrorReason.DEPENDENCY_FAILED,
            "endpoint " + e.endpointId() + ": its overlay network could not be converged", Map.of(), null));
        continue;
      }
      // one the kernel still holds (an agent restart) is adopted in place: not reported as created
      OverlayNetwork net = dp.openNetworks().get(e.networkId());
      boolean held = net != null && net.netlink.links().find(e.hostIfName()).isPresent();
      boolean fresh = !held && !drift.contains("endpoint/" + e.endpointId());
      log.step("endpoint/" + e.endpointId(), fresh ? created : new ArrayList<>(), () -> dp.attachEndpoint(e));
    }
    sweepStrayEndpoints(eps.keySet());
    for (OverlayNetworkSpec n : desired.networks()) {
      if (failed.containsKey("network/" + n.networkId())) {
        continue;
      }
      String key = "peers/" + n.networkId();
      try {
        PeerChanges c = dp.setPeers(n.networkId(), desired.peers().getOrDefault(n.networkId(), Set.of()));
        if (!c.none()) {
          drift.add(key);
        }
      } catch (CnmException e) {
        failed.put(key, e);
      }
    }
    return log.report();
  }

  /** Deletes veths marked for endpoints that are not attached (left by a previous agent run). */
  private void sweepStrayEndpoints(Set<String> desiredEndpoints) {
    for (OverlayNetwork net : dp.openNetworks().values()) {
      String networkMark = OverlayIds.mark(net.spec.networkId());
      for (Link l : net.netlink.links().list()) {
        String owner = OverlayIds.ownerOf(l.alias());
        if (owner == null || networkMark.equals(l.alias()) || dp.attached().containsKey(owner)) {
          continue;
        }
        log.step("link/" + l.name(), removed, () -> net.netlink.links().deleteIfPresent(l.index()));
      }
    }
  }
}
