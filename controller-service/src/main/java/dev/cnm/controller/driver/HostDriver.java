package dev.cnm.controller.driver;

/** libnetwork's host driver: the sandbox shares the host's network stack; no interfaces. */
final class HostDriver extends InterfacelessDriver {
  HostDriver() {
    super("host");
  }
}
