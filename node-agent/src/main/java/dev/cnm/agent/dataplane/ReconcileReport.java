package dev.cnm.agent.dataplane;

import dev.cnm.runtime.errors.CnmException;
import java.util.List;
import java.util.Map;

/**
 * What a reconcile did. Entries read {@code kind/id} ("network/n1", "sandbox/s1",
 * "endpoint/e1", "link/cnm0a1b2c3d4e5" for a stray owned link).
 *
 * @param created objects that were missing and were made
 * @param removed owned objects that were not desired and were deleted
 * @param drift objects that existed but differed (MTU, state, addresses) and were repaired
 * @param failed objects that could not be converged, with the reason (to NACK per object)
 */
public record ReconcileReport(List<String> created, List<String> removed, List<String> drift,
    Map<String, CnmException> failed) {
  public ReconcileReport {
    created = List.copyOf(created);
    removed = List.copyOf(removed);
    drift = List.copyOf(drift);
    failed = Map.copyOf(failed);
  }

  /** True when nothing needed doing and nothing failed. */
  public boolean converged() {
    return created.isEmpty() && removed.isEmpty() && drift.isEmpty() && failed.isEmpty();
  }
}
