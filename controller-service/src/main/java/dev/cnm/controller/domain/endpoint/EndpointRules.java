package dev.cnm.controller.domain.endpoint;

import dev.cnm.api.v1.Endpoint;
import dev.cnm.controller.domain.validation.DnsNames;
import dev.cnm.controller.domain.validation.RequestLimits;

/**
 * The checks of a CreateEndpoint request that need neither the store nor the driver: the size of
 * its options and aliases, and the aliases' form. (Ports: {@code PortRules}; the MAC address,
 * which a driver may take from its options: {@code MacAddresses}.)
 */
final class EndpointRules {
  private EndpointRules() {}

  /** Throws INVALID_ARGUMENT naming the first bad field of {@code req}. */
  static void check(Endpoint req) {
    RequestLimits.checkMap("endpoint.options", req.getOptionsMap());
    RequestLimits.checkList("endpoint.aliases", req.getAliasesCount());
    for (int i = 0; i < req.getAliasesCount(); i++) {
      DnsNames.requireAlias("endpoint.aliases[" + i + "]", req.getAliases(i));
    }
    RequestLimits.checkList("endpoint.exposed_ports", req.getExposedPortsCount());
    RequestLimits.checkList("endpoint.port_bindings", req.getPortBindingsCount());
  }
}
