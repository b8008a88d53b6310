package dev.cnm.controller.driver;

import dev.cnm.api.v1.Scope;

/**
 * The fixed facts every built-in driver states about itself (name, scope, IPAM, interfaces),
 * held once here so that each driver only says what its options and node state are.
 */
abstract class AbstractNetworkDriver implements NetworkDriver {
  private final String name;
  private final Scope scope;
  private final boolean usesIpam;
  private final boolean createsInterfaces;

  AbstractNetworkDriver(String name, Scope scope, boolean usesIpam, boolean createsInterfaces) {
    this.name = name;
    this.scope = scope;
    this.usesIpam = usesIpam;
    this.createsInterfaces = createsInterfaces;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final Scope scope() {
    return scope;
  }

  @Override
  public final boolean usesIpam() {
    return usesIpam;
  }

  @Override
  public final boolean createsInterfaces() {
    return createsInterfaces;
  }
}
