package dev.cnm.agent.cni;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.cnm.api.v1.PortBinding;
import dev.cnm.api.v1.Protocol;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code portMappings} capability: a runtime that finds {@code "capabilities":
 * {"portMappings": true}} in the configuration passes {@code runtimeConfig.portMappings}, a list of
 * {@code {hostPort, containerPort, protocol, hostIP}}; each becomes a port binding of the endpoint,
 * which cnm publishes on this node when it joins (as {@code docker run -p}).
 */
final class PortMappings {
  private PortMappings() {}

  static List<PortBinding> of(JsonObject config) {
    JsonElement runtime = config.get("runtimeConfig");
    if (runtime == null || !runtime.isJsonObject()) {
      return List.of();
    }
    JsonElement mappings = runtime.getAsJsonObject().get("portMappings");
    if (mappings == null || mappings.isJsonNull()) {
      return List.of();
    }
    if (!mappings.isJsonArray()) {
      throw invalid("runtimeConfig.portMappings", "must be a list");
    }
    JsonArray list = mappings.getAsJsonArray();
    List<PortBinding> bindings = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String field = "runtimeConfig.portMappings[" + i + "]";
      if (!list.get(i).isJsonObject()) {
        throw invalid(field, "must be an object");
      }
      JsonObject m = list.get(i).getAsJsonObject();
      PortBinding.Builder b = PortBinding.newBuilder()
          .setHostPort(port(m, field + ".hostPort")).setContainerPort(port(m, field + ".containerPort"))
          .setProtocol(protocol(m, field + ".protocol"));
      JsonElement hostIp = m.get("hostIP");
      if (hostIp != null && !hostIp.isJsonNull()) {
        if (!hostIp.isJsonPrimitive() || !hostIp.getAsJsonPrimitive().isString()) {
          throw invalid(field + ".hostIP", "must be a string");
        }
        b.setHostIp(hostIp.getAsString());
      }
      bindings.add(b.build());
    }
    return bindings;
  }

  private static int port(JsonObject m, String field) {
    JsonElement v = m.get(field.substring(field.lastIndexOf('.') + 1));
    if (v == null || !v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
      throw invalid(field, "must be a number 1..65535");
    }
    double d = v.getAsDouble();
    if (d != Math.rint(d) || d < 1 || d > 65535) {
      throw invalid(field, "must be a number 1..65535");
    }
    return (int) d;
  }

  private static Protocol protocol(JsonObject m, String field) {
    JsonElement v = m.get("protocol");
    String p = v == null || v.isJsonNull() ? "tcp" : v.isJsonPrimitive() ? v.getAsString().toLowerCase() : "?";
    return switch (p) {
      case "", "tcp" -> Protocol.PROTOCOL_TCP;
      case "udp" -> Protocol.PROTOCOL_UDP;
      case "sctp" -> Protocol.PROTOCOL_SCTP;
      default -> throw invalid(field, "\"" + p + "\" is not tcp, udp or sctp");
    };
  }

  private static CniError invalid(String field, String message) {
    return new CniError(CniError.INVALID_CONFIG, field + ": " + message);
  }
}
