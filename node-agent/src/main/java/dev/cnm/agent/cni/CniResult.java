package dev.cnm.agent.cni;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.cnm.api.v1.Endpoint;

/**
 * The result of an ADD in the configuration's version (0.4.0 and 1.0.0 differ only in the
 * "version" of each IP): the sandbox's interface with its MAC and namespace, the endpoint's
 * addresses with their gateways, a default route per family through the gateway (none on an
 * internal network, which has no gateway), and the configuration's own "dns", as the reference
 * plugins echo it.
 */
final class CniResult {
  private CniResult() {}

  static JsonObject of(String cniVersion, Endpoint joined, String netns, JsonElement dns) {
    JsonObject result = new JsonObject();
    result.addProperty("cniVersion", cniVersion);
    JsonObject iface = new JsonObject();
    iface.addProperty("name", joined.getInterfaceName());
    iface.addProperty("mac", joined.getMacAddress());
    iface.addProperty("sandbox", netns);
    JsonArray interfaces = new JsonArray();
    interfaces.add(iface);
    result.add("interfaces", interfaces);
    JsonArray ips = new JsonArray();
    JsonArray routes = new JsonArray();
    addFamily(cniVersion, ips, routes, joined.getIpv4Address(), joined.getGatewayIpv4(), "4", "0.0.0.0/0");
    addFamily(cniVersion, ips, routes, joined.getIpv6Address(), joined.getGatewayIpv6(), "6", "::/0");
    result.add("ips", ips);
    if (!routes.isEmpty()) {
      result.add("routes", routes);
    }
    result.add("dns", dns == null || !dns.isJsonObject() ? new JsonObject() : dns);
    return result;
  }

  private static void addFamily(String cniVersion, JsonArray ips, JsonArray routes, String address, String gateway,
      String family, String defaultDestination) {
    if (address.isEmpty()) {
      return;
    }
    JsonObject ip = new JsonObject();
    if (cniVersion.equals("0.4.0")) {
      ip.addProperty("version", family);
    }
    ip.addProperty("address", address);
    if (!gateway.isEmpty()) {
      ip.addProperty("gateway", gateway);
    }
    ip.addProperty("interface", 0);
    ips.add(ip);
    if (!gateway.isEmpty()) {
      JsonObject route = new JsonObject();
      route.addProperty("dst", defaultDestination);
      route.addProperty("gw", gateway);
      routes.add(route);
    }
  }
}
