package dev.cnm.agent.driver.none;

import dev.cnm.agent.driver.InterfacelessDriver;

/**
 * The null driver's data half: its endpoints give a sandbox no interface, so a sandbox that joins
 * only null networks keeps loopback alone.
 */
public final class NullDriver extends InterfacelessDriver {
  /** The name of the driver, as the controller's null driver sends it. */
  public static final String NAME = "null";

  public NullDriver() {
    super(NAME);
  }
}
