package dev.cnm.agent.session;

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
import java.util.function.Function;

/**
 * Applies the difference between the last state applied and the new one with the dataplane's
 * idempotent single-object operations, so that one Join costs one attach however many sandboxes
 * the node holds. Order: networks, sandboxes, then detaches before attaches, then removals of
 * sandboxes and networks. Whatever fails is reported per object; the caller falls back to a full
 * reconcile on the next snapshot.
 */
final class IncrementalApply {
  private IncrementalApply() {}

  static ReconcileReport apply(BridgeDataplane dp, DesiredState last, DesiredState next) {
    List<String> created = new ArrayList<>();
    List<String> removed = new ArrayList<>();
    Map<String, CnmException> failed = new HashMap<>();
    Map<String, NetworkSpec> oldNets = index(last.networks(), NetworkSpec::networkId);
    Map<String, SandboxSpec> oldSbs = index(last.sandboxes(), SandboxSpec::sandboxId);
    Map<String, EndpointSpec> oldEps = index(last.endpoints(), EndpointSpec::endpointId);
    Map<String, EndpointSpec> newEps = index(next.endpoints(), EndpointSpec::endpointId);
    Map<String, SandboxSpec> newSbs = index(next.sandboxes(), SandboxSpec::sandboxId);
    Map<String, NetworkSpec> newNets = index(next.networks(), NetworkSpec::networkId);
    for (NetworkSpec n : next.networks()) {
      if (!n.equals(oldNets.get(n.networkId()))) {
        run(failed, "network/" + n.networkId(), () -> dp.ensureNetwork(n), created);
      }
    }
    for (SandboxSpec s : next.sandboxes()) {
      if (!s.equals(oldSbs.get(s.sandboxId()))) {
        run(failed, "sandbox/" + s.sandboxId(), () -> s.externalPath() == null ? dp.createSandbox(s.sandboxId())
            : dp.useExternalSandbox(s.sandboxId(), s.externalPath()), created);
      }
    }
    for (EndpointSpec e : last.endpoints()) {
      EndpointSpec now = newEps.get(e.endpointId());
      // an endpoint whose sandbox goes away leaves with the namespace (the fast path)
      if (!e.equals(now) && (now != null || newSbs.containsKey(e.sandboxId()))) {
        run(failed, "endpoint/" + e.endpointId(), () -> dp.detachEndpoint(e.endpointId()), removed);
      }
    }
    for (EndpointSpec e : next.endpoints()) {
      if (!e.equals(oldEps.get(e.endpointId()))) {
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

  private static <T> Map<String, T> index(List<T> items, Function<T, String> key) {
    Map<String, T> m = new HashMap<>();
    for (T t : items) {
      m.put(key.apply(t), t);
    }
    return m;
  }
}
