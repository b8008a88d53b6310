package dev.cnm.agent.dataplane;

import dev.cnm.runtime.errors.CnmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one reconcile pass has done so far, kept as it goes; {@link #report()} freezes it. Shared
 * by the bridge and overlay reconcilers, whose passes record the same way: each object's step
 * either lands in one list or, failing, in {@link #failed()}, and the pass goes on. Not
 * thread-safe: a pass runs under its dataplane's lock.
 */
public final class ReconcileLog {
  private final List<String> created = new ArrayList<>();
  private final List<String> removed = new ArrayList<>();
  private final List<String> drift = new ArrayList<>();
  private final Map<String, CnmException> failed = new LinkedHashMap<>();

  public List<String> created() {
    return created;
  }

  public List<String> removed() {
    return removed;
  }

  public List<String> drift() {
    return drift;
  }

  public Map<String, CnmException> failed() {
    return failed;
  }

  /** Runs one object's step: {@code key} goes to {@code into} when it succeeds, to failed when it throws. */
  public void step(String key, List<String> into, Runnable action) {
    try {
      action.run();
      into.add(key);
    } catch (CnmException e) {
      failed.put(key, e);
    }
  }

  public ReconcileReport report() {
    return new ReconcileReport(created, removed, drift, failed);
  }
}
