package dev.cnm.agent.driver.host;

import dev.cnm.agent.driver.InterfacelessDriver;

/**
 * The host driver's data half: its endpoints join host-mode sandboxes, which are the node's own
 * namespace (kept by the sandbox keeper under the path bound to it, and given copies of the
 * node's hosts and resolv.conf), so its networks add no interface and nothing to program.
 */
public final class HostDriver extends InterfacelessDriver {
  /** The name of the driver, as the controller's host driver sends it. */
  public static final String NAME = "host";

  public HostDriver() {
    super(NAME);
  }
}
