package dev.cnm.controller.driver;

/** libnetwork's null driver: sandboxes with only a loopback interface. */
final class NullDriver extends InterfacelessDriver {
  NullDriver() {
    super("null");
  }
}
