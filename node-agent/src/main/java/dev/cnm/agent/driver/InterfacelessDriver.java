package dev.cnm.agent.driver;

import dev.cnm.agent.dataplane.ReconcileReport;
import dev.cnm.api.v1.DesiredState;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The data half of a driver whose endpoints give a sandbox no interface (null, host): nothing to
 * program, registered only so that the agent offers the capability. The agent's counterpart of
 * the controller's {@code InterfacelessDriver}.
 */
public abstract class InterfacelessDriver implements NodeDriver {
  private final String name;

  protected InterfacelessDriver(String name) {
    this.name = name;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final boolean hasDataplane() {
    return false;
  }

  @Override
  public final ReconcileReport apply(DesiredState desired, Map<String, Path> sandboxes) {
    return new ReconcileReport(List.of(), List.of(), List.of(), Map.of());
  }
}
