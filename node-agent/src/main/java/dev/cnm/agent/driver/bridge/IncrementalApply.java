package dev.cnm.agent.driver.bridge;

import dev.cnm.agent.dataplane.BridgeDataplane;
import dev.cnm.agent.dataplane.DesiredState;
import dev.cnm.agent.dataplane.EndpointSpec;
import dev.cnm.agent.dataplane.NetworkSpec;
import dev.cnm.agent.dataplane.ReconcileReport;
import dev.cnm.agent.dataplane.SandboxSpec;
import dev.cnm.runtime.errors.CnmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Applies the difference between the last state applied and the new one with the dataplane's
 * idempotent single-object operations, so that one Join costs one attach however many sandboxes
 * the node holds. Order: networks, sandboxes, then detaches before attaches, then removals of
 * sandboxes and networks. Whatever fails is reported per object; the caller falls back to a full
 * reconcile on the next snapshot.
 *
 * <p>A network that leaves the snapshot is not removed but lingers ({@link LingeringNetworks}): it
 * is removed by the first apply at or after {@link LingeringNetworks#LINGER}, or as soon as a
 * network about to be made needs its bridge name or its subnet. One that comes back with the spec
 * it lingered with costs nothing; with another spec its bridge is made again from that spec.
 */
final class IncrementalApply {
  private IncrementalApply() {}

  /**
   * Applies what changed from {@code lastApplied} to {@code nextConverted}, taking networks back
   * from and handing leaving ones to {@code lingering} (at {@code nowNanos}). Objects are compared
   * by value; the applier's conversions hand unchanged objects over as the very instances of the
   * last state, so most comparisons are an identity check.
   */
  static ReconcileReport apply(BridgeDataplane dp, SpecConverter.Converted lastApplied,
      SpecConverter.Converted nextConverted, LingeringNetworks lingering, long nowNanos) {
    SpecIndex lastIndex = lastApplied.index();
    SpecIndex nextIndex = nextConverted.index();
    DesiredState last = lastIndex.state();
    DesiredState next = nextIndex.state();
    List<String> created = new ArrayList<>();
    List<String> removed = new ArrayList<>();
    Map<String, CnmException> failed = new HashMap<>();
    Map<String, NetworkSpec> oldNets = lastIndex.networks();
    Map<String, SandboxSpec> oldSbs = lastIndex.sandboxes();
    Map<String, EndpointSpec> oldEps = lastIndex.endpoints();
    Map<String, EndpointSpec> newEps = nextIndex.endpoints();
    Map<String, SandboxSpec> newSbs = nextIndex.sandboxes();
    Map<String, NetworkSpec> newNets = nextIndex.networks();
    for (NetworkSpec n : next.networks()) {
      NetworkSpec old = oldNets.get(n.networkId());
      if (old == null && !lingering.isEmpty()) {
        old = lingering.reclaim(n.networkId());
        if (old != null && !same(n, old)) {
          // changed while it lingered: made again, without what the old spec left on the bridge
          run(failed, "network/" + n.networkId(), () -> dp.removeNetwork(n.networkId()), removed);
        }
      }
      if (!same(n, old)) {
        for (String gone : lingering.takeConflicting(n)) {
          run(failed, "network/" + gone, () -> dp.removeNetwork(gone), removed);
        }
        run(failed, "network/" + n.networkId(), () -> dp.ensureNetwork(n), created);
      }
    }
    for (SandboxSpec s : next.sandboxes()) {
      if (!same(s, oldSbs.get(s.sandboxId()))) {
        run(failed, "sandbox/" + s.sandboxId(), () -> s.externalPath() == null ? dp.createSandbox(s.sandboxId())
            : dp.useExternalSandbox(s.sandboxId(), s.externalPath()), created);
      }
    }
    for (EndpointSpec e : last.endpoints()) {
      EndpointSpec now = newEps.get(e.endpointId());
      // an endpoint whose sandbox goes away leaves with the namespace (the fast path)
      if (!same(e, now) && (now != null || newSbs.containsKey(e.sandboxId()))) {
        run(failed, "endpoint/" + e.endpointId(), () -> dp.detachEndpoint(e.endpointId()), removed);
      }
    }
    for (EndpointSpec e : next.endpoints()) {
      if (!same(e, oldEps.get(e.endpointId()))) {
        run(failed, "endpoint/" + e.endpointId(), () -> dp.attachEndpoint(e), created);
      }
    }
    for (SandboxSpec s : last.sandboxes()) {
      if (!newSbs.containsKey(s.sandboxId())) {
        run(failed, "sandbox/" + s.sandboxId(), () -> dp.deleteSandbox(s.sandboxId()), removed);
      }
    }
    for (NetworkSpec n : last.networks()) {
      if (!newNets.containsKey(n.networkId())) {
        if (conflictsWithAny(n, next.networks())) {
          // a network of this snapshot took its name or subnet: removed now, after its endpoints left
          run(failed, "network/" + n.networkId(), () -> dp.removeNetwork(n.networkId()), removed);
        } else {
          lingering.add(n, lastApplied.bridges().get(n.networkId()), nowNanos);
        }
      }
    }
    for (String gone : lingering.takeExpired(nowNanos)) {
      run(failed, "network/" + gone, () -> dp.removeNetwork(gone), removed);
    }
    return new ReconcileReport(created, removed, List.of(), failed);
  }

  private static boolean conflictsWithAny(NetworkSpec n, List<NetworkSpec> others) {
    for (NetworkSpec o : others) {
      if (LingeringNetworks.conflict(n, o)) {
        return true;
      }
    }
    return false;
  }

  private static void run(Map<String, CnmException> failed, String what, Runnable op, List<String> done) {
    try {
      op.run();
      done.add(what);
    } catch (CnmException e) {
      failed.put(what, e);
    } catch (RuntimeException e) {
      failed.put(what, CnmException.unavailable(what + ": " + e, e));
    }
  }

  private static void run(Map<String, CnmException> failed, String what, java.util.function.Supplier<?> op,
      List<String> done) {
    run(failed, what, (Runnable) op::get, done);
  }

  /** Equal values; the identity check first, as most objects are the last state's own. */
  private static boolean same(Object a, Object b) {
    return a == b || a.equals(b);
  }
}
