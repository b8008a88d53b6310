package dev.cnm.agent.driver.none;

import dev.cnm.agent.dataplane.ReconcileReport;
import dev.cnm.agent.driver.NodeDriver;
import dev.cnm.api.v1.DesiredState;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The null driver's data half: its endpoints give a sandbox no interface, so a sandbox that joins
 * only null networks keeps loopback alone. Nothing to program; registered so that the agent
 * offers the capability.
 */
public final class NullDriver implements NodeDriver {
  /** The name of the driver, as the controller's null driver sends it. */
  public static final String NAME = "null";

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
