package dev.cnm.controller.driver;

import dev.cnm.api.v1.BridgeConfig;
import dev.cnm.api.v1.Network;
import dev.cnm.api.v1.NodeNetwork;
import dev.cnm.api.v1.Scope;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.net.Cidr;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * libnetwork's bridge driver, control half: a Linux bridge per network, options under cnm's
 * names or Docker's {@code com.docker.network.*} keys (so that what Docker users write keeps
 * working), effective options stored under cnm's names.
 */
final class BridgeDriver extends AbstractNetworkDriver {
  static final String BRIDGE_NAME = "bridge_name";
  static final String MTU = "mtu";
  static final String MASQUERADE = "enable_ip_masquerade";
  static final String ICC = "enable_icc";
  static final String HOST_BINDING = "host_binding_ipv4";

  /** Docker's key → cnm's key. */
  private static final Map<String, String> DOCKER_KEYS = Map.of(
      "com.docker.network.bridge.name", BRIDGE_NAME,
      "com.docker.network.driver.mtu", MTU,
      "com.docker.network.bridge.enable_ip_masquerade", MASQUERADE,
      "com.docker.network.bridge.enable_icc", ICC,
      "com.docker.network.bridge.host_binding_ipv4", HOST_BINDING);

  BridgeDriver() {
    super("bridge", Scope.SCOPE_LOCAL, true, true);
  }

  @Override
  public List<String> optionKeys() {
    return List.of(BRIDGE_NAME, MTU, MASQUERADE, ICC, HOST_BINDING,
        "com.docker.network.bridge.name", "com.docker.network.driver.mtu",
        "com.docker.network.bridge.enable_ip_masquerade", "com.docker.network.bridge.enable_icc",
        "com.docker.network.bridge.host_binding_ipv4");
  }

  @Override
  public Map<String, String> networkOptions(String networkId, Map<String, String> given) {
    return networkOptions(networkId, Network.newBuilder().putAllOptions(given).build());
  }

  @Override
  public Map<String, String> networkOptions(String networkId, Network request) {
    Map<String, String> given = request.getOptionsMap();
    Map<String, String> out = new LinkedHashMap<>();
    out.put(BRIDGE_NAME, "br-" + networkId.substring(0, 12));
    out.put(MTU, "1500");
    out.put(MASQUERADE, "true");
    out.put(ICC, "true");
    out.put(HOST_BINDING, "0.0.0.0");
    for (Map.Entry<String, String> e : given.entrySet()) {
      String key = DOCKER_KEYS.getOrDefault(e.getKey(), e.getKey());
      String field = "network.options[" + e.getKey() + "]";
      String value = e.getValue().trim();
      switch (key) {
        case BRIDGE_NAME -> out.put(key, bridgeName(field, value));
        case MTU -> out.put(key, Integer.toString(OptionValues.mtu(field, value, request.getEnableIpv6())));
        case MASQUERADE, ICC -> out.put(key, Boolean.toString(OptionValues.bool(field, value)));
        case HOST_BINDING -> {
          byte[] a = Cidr.parseAddress(field, value);
          if (a.length != 4) {
            throw CnmException.invalidArgument(field, "must be an IPv4 address: " + value);
          }
          out.put(key, Cidr.format(a));
        }
        default -> throw CnmException.invalidArgument(field,
            "unknown bridge option (known: " + String.join(", ", optionKeys()) + ")");
      }
    }
    return out;
  }

  private static String bridgeName(String field, String v) {
    int len = v.getBytes(StandardCharsets.UTF_8).length;
    if (len == 0 || len > 15) {
      throw CnmException.invalidArgument(field, "a link name is 1..15 bytes, got " + len);
    }
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c == '/' || c == ':' || Character.isWhitespace(c) || c > 126 || c < 33) {
        throw CnmException.invalidArgument(field, "not a valid link name: " + v);
      }
    }
    return v;
  }

  @Override
  public NodeNetwork nodeNetwork(Network n) {
    Map<String, String> o = n.getOptionsMap();
    NodeNetwork.Builder b = NodeNetwork.newBuilder().setId(n.getId()).setName(n.getName()).setDriver(name())
        .setInternal(n.getInternal()).setMtu(Integer.parseInt(o.getOrDefault(MTU, "1500")))
        .setBridge(BridgeConfig.newBuilder()
            .setBridgeName(o.getOrDefault(BRIDGE_NAME, "br-" + n.getId().substring(0, 12)))
            .setEnableIpMasquerade(!n.getInternal() && Boolean.parseBoolean(o.getOrDefault(MASQUERADE, "true")))
            .setEnableIcc(Boolean.parseBoolean(o.getOrDefault(ICC, "true")))
            .setHostBindingIpv4(o.getOrDefault(HOST_BINDING, "0.0.0.0")));
    if (n.getIpam().getIpv4Count() > 0) {
      b.setSubnetIpv4(n.getIpam().getIpv4(0).getSubnet()).setGatewayIpv4(n.getIpam().getIpv4(0).getGateway());
    }
    if (n.getEnableIpv6() && n.getIpam().getIpv6Count() > 0) {
      b.setSubnetIpv6(n.getIpam().getIpv6(0).getSubnet()).setGatewayIpv6(n.getIpam().getIpv6(0).getGateway());
    }
    return b.build();
  }
}
