package dev.cnm.agent.driver.host;

import dev.cnm.agent.dataplane.ReconcileReport;
import dev.cnm.agent.driver.NodeDriver;
import dev.cnm.api.v1.DesiredState;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The host driver's data half: its endpoints join host-mode sandboxes, which are the node's own
 * namespace (kept by the sandbox keeper under the path bound to it, and given copies of the
 * node's hosts and resolv.conf), so its networks add no interface and nothing to program.
 * Registered so that the agent offers the capability.
 */
public final class HostDriver implements NodeDriver {
  /** The name of the driver, as the controller's host driver sends it. */
  public static final String NAME = "host";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public boolean hasDataplane() {
    return false;
  }

  @Override
  public ReconcileReport apply(DesiredState desired, Map<String, Path> sandboxes) {
    return new ReconcileReport(List.of(), List.of(), List.of(), Map.of());
  }
}
