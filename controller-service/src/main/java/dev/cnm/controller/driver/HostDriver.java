package dev.cnm.controller.driver;

/**
 * libnetwork's host driver: no interfaces; its endpoints join host-mode sandboxes, which use their
 * node's own network namespace (the stack is the host's).
 */
final class HostDriver extends InterfacelessDriver {
  HostDriver() {
    super("host");
  }

  @Override
  public boolean sharesHostNamespace() {
    return true;
  }
}
