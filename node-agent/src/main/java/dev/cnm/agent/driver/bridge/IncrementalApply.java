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
 */
final class IncrementalApply {
  private IncrementalApply() {}

  /**
   * Applies what changed from {@code lastIndex} to {@code nextIndex}. Objects are compared by value; the
   * applier's conversions hand unchanged objects over as the very instances of the last state,
   * so most comparisons are an identity check.
   */
  static ReconcileReport apply(BridgeDataplane dp, SpecIndex lastIndex, SpecIndex nextIndex) {
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
      if (!same(n, oldNets.get(n.networkId()))) {
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
        run(failed, "network/" + n.networkId(), () -> dp.removeNetwork(n.networkId()), removed);
      }
    }
    return new ReconcileReport(created, removed, List.of(), failed);
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
