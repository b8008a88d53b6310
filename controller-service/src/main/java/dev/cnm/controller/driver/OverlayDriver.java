package dev.cnm.controller.driver;

import dev.cnm.api.v1.Network;
import dev.cnm.api.v1.NodeNetwork;
import dev.cnm.api.v1.OverlayConfig;
import dev.cnm.api.v1.Scope;
import dev.cnm.runtime.errors.CnmException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * libnetwork's overlay driver, control half: a global network realised as one VXLAN segment on
 * every node that has endpoints of it. Its VNI comes from the IPAM id set "vxlan" (the one the
 * user asks for, or the next free one) and is kept in the effective option {@code vxlan_id}, so
 * each node's desired state carries it. The peers each node must know are added by the
 * controller's desired-state builder, which sees every node's endpoints.
 */
final class OverlayDriver extends AbstractNetworkDriver {
  static final String VXLAN_ID = "vxlan_id";
  static final String MTU = "mtu";
  static final String VXLAN_PORT = "vxlan_port";
  /** The IANA VXLAN port, the kernel's and libnetwork's default. */
  static final int DEFAULT_PORT = 4789;
  /** A VNI is 24 bits; 0 is not a usable segment. */
  static final long MAX_VNI = 16_777_215L;

  /** Docker's key → cnm's key. */
  private static final Map<String, String> DOCKER_KEYS = Map.of(
      "com.docker.network.driver.overlay.vxlanid_list", VXLAN_ID,
      "com.docker.network.driver.mtu", MTU);

  OverlayDriver() {
    super("overlay", Scope.SCOPE_GLOBAL, true, true);
  }

  /**
   * No: the endpoint's bridge is in the network's own namespace, which the node's namespace
   * has no route into. The sandbox's gateway-bridge address (gw0) would be a DNAT target, but
   * the agent chooses it and publishes nothing to it, so bindings are refused at create.
   */
  @Override
  public boolean publishesPorts() {
    return false;
  }

  @Override
  public List<String> optionKeys() {
    return List.of(VXLAN_ID, MTU, VXLAN_PORT, "com.docker.network.driver.overlay.vxlanid_list",
        "com.docker.network.driver.mtu");
  }

  @Override
  public Map<String, String> networkOptions(String networkId, Map<String, String> given) {
    return networkOptions(networkId, Network.newBuilder().putAllOptions(given).build());
  }

  @Override
  public Map<String, String> networkOptions(String networkId, Network request) {
    Map<String, String> out = new LinkedHashMap<>();
    out.put(VXLAN_PORT, Integer.toString(DEFAULT_PORT));
    for (Map.Entry<String, String> e : request.getOptionsMap().entrySet()) {
      String key = DOCKER_KEYS.getOrDefault(e.getKey(), e.getKey());
      String field = "network.options[" + e.getKey() + "]";
      String value = e.getValue().trim();
      switch (key) {
        case VXLAN_ID -> out.put(key, Long.toString(vni(field, value)));
        case MTU -> out.put(key, Integer.toString(OptionValues.mtu(field, value, request.getEnableIpv6())));
        case VXLAN_PORT -> out.put(key, Integer.toString(OptionValues.integer(field, value, 1, 65535, "port")));
        default -> throw CnmException.invalidArgument(field,
            "unknown overlay option (known: " + String.join(", ", optionKeys()) + ")");
      }
    }
    return out;
  }

  /** One VNI; Docker's vxlanid_list names one per subnet, and a cnm network has one IPv4 subnet. */
  private static long vni(String field, String value) {
    if (value.contains(",")) {
      throw CnmException.invalidArgument(field, "one VNI per network, got " + value);
    }
    long v;
    try {
      v = Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw CnmException.invalidArgument(field, "not a number: " + value);
    }
    if (v < 1 || v > MAX_VNI) {
      throw CnmException.invalidArgument(field, "a VNI must be 1.." + MAX_VNI + ", got " + v);
    }
    return v;
  }

  @Override
  public IdClaim idClaim(Map<String, String> effectiveOptions) {
    String v = effectiveOptions.get(VXLAN_ID);
    return new IdClaim("vxlan", VXLAN_ID, v == null ? null : Long.valueOf(v));
  }

  /** The network without peers: the desired-state builder adds them per node. */
  @Override
  public NodeNetwork nodeNetwork(Network n) {
    Map<String, String> o = n.getOptionsMap();
    NodeNetwork.Builder b = NodeNetwork.newBuilder().setId(n.getId()).setName(n.getName()).setDriver(name())
        .setInternal(n.getInternal()).setMtu(Integer.parseInt(o.getOrDefault(MTU, "0")))
        .setOverlay(OverlayConfig.newBuilder().setVni(Integer.parseInt(o.getOrDefault(VXLAN_ID, "0")))
            .setVxlanPort(Integer.parseInt(o.getOrDefault(VXLAN_PORT, Integer.toString(DEFAULT_PORT)))));
    if (n.getIpam().getIpv4Count() > 0) {
      b.setSubnetIpv4(n.getIpam().getIpv4(0).getSubnet()).setGatewayIpv4(n.getIpam().getIpv4(0).getGateway());
    }
    if (n.getEnableIpv6() && n.getIpam().getIpv6Count() > 0) {
      b.setSubnetIpv6(n.getIpam().getIpv6(0).getSubnet()).setGatewayIpv6(n.getIpam().getIpv6(0).getGateway());
    }
    return b.build();
  }
}
