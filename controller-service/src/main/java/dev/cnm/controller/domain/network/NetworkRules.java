package dev.cnm.controller.domain.network;

import dev.cnm.api.v1.IpamPool;
import dev.cnm.api.v1.Network;
import dev.cnm.controller.domain.validation.RequestLimits;

/**
 * The size checks of a CreateNetwork request's free-form maps. (Driver options' meaning is the
 * driver's to check, IPAM's the {@link NetworkPlan}'s.)
 */
final class NetworkRules {
  private NetworkRules() {}

  /** Throws INVALID_ARGUMENT naming the first map of {@code req} over {@link RequestLimits}. */
  static void check(Network req) {
    RequestLimits.checkMap("network.labels", req.getLabelsMap());
    RequestLimits.checkMap("network.options", req.getOptionsMap());
    RequestLimits.checkMap("network.ipam.options", req.getIpam().getOptionsMap());
    for (int i = 0; i < req.getIpam().getIpv4Count(); i++) {
      aux("network.ipam.ipv4[" + i + "].aux_addresses", req.getIpam().getIpv4(i));
    }
    for (int i = 0; i < req.getIpam().getIpv6Count(); i++) {
      aux("network.ipam.ipv6[" + i + "].aux_addresses", req.getIpam().getIpv6(i));
    }
  }

  private static void aux(String field, IpamPool pool) {
    RequestLimits.checkMap(field, pool.getAuxAddressesMap());
  }
}
