package dev.cnm.agent.cni;

import com.google.gson.JsonObject;
import dev.cnm.agent.localapi.HttpRequest;
import dev.cnm.agent.localapi.HttpResponse;
import dev.cnm.agent.localapi.LocalApiServer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The plugin's route on the local API: {@code POST /cni/v1/call} with the CNI_* variables as
 * query parameters and the network configuration as the body. 200 with the result (an empty body
 * for DEL and CHECK, which print nothing); 400 with the CNI error object otherwise, which the
 * plugin script prints and exits 1 on.
 */
public final class CniRoutes {
  public static final String PATH = "/cni/v1/call";
  static final List<String> VARIABLES = List.of("CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME",
      "CNI_ARGS", "CNI_PATH");

  private CniRoutes() {}

  /** Registers the route of {@code plugin} on {@code server}. */
  public static LocalApiServer.Builder register(LocalApiServer.Builder server, CniPlugin plugin) {
    return server.route("POST", PATH, request -> answer(plugin, request));
  }

  static HttpResponse answer(CniPlugin plugin, HttpRequest request) {
    Map<String, String> env = new HashMap<>();
    for (String name : VARIABLES) {
      env.put(name, request.param(name));
    }
    String version = CniCall.versionOf(request.bodyText());
    try {
      CniCall call = CniCall.parse(env, request.bodyText());
      version = call.cniVersion();
      JsonObject result = plugin.run(call);
      return HttpResponse.json(200, result == null ? "" : result.toString());
    } catch (CniError e) {
      return HttpResponse.json(400, e.toJson(version).toString());
    } catch (RuntimeException e) {
      // e.g. a netlink failure while CHECK reads the namespace: still an error object the runtime can read
      CniError error = new CniError(CniError.CNM_FAILURE, "cnm agent: " + e.getMessage(), e.getClass().getSimpleName());
      return HttpResponse.json(400, error.toJson(version).toString());
    }
  }
}
