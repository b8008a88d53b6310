package dev.cnm.agent.cni;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One call of the plugin as the runtime made it: the CNI_* environment and the network
 * configuration (stdin). {@link #parse} checks what every command needs; each command then asks
 * for the variables it requires ({@link #require}), so that the error names the one missing.
 *
 * @param command CNI_COMMAND
 * @param containerId CNI_CONTAINERID
 * @param netns CNI_NETNS, the namespace path
 * @param ifname CNI_IFNAME
 * @param args CNI_ARGS as key → value, in their order
 * @param config the network configuration, null for VERSION (which reads none)
 * @param cniVersion the configuration's cniVersion (for VERSION: {@link CniVersions#LATEST})
 * @param network the cnm network to attach to: the configuration's "network"
 */
public record CniCall(String command, String containerId, String netns, String ifname, Map<String, String> args,
    JsonObject config, String cniVersion, String network) {
  /** The specification's container id: starts with an alphanumeric, then alphanumerics, '_', '.', '-'. */
  private static final Pattern CONTAINER_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]*");

  /** Reads a call from the environment values and the configuration text. */
  public static CniCall parse(Map<String, String> env, String configText) {
    String command = env.getOrDefault("CNI_COMMAND", "");
    if (command.isEmpty()) {
      throw new CniError(CniError.INVALID_ENVIRONMENT, "CNI_COMMAND: missing");
    }
    if (!CniPlugin.COMMANDS.contains(command)) {
      throw new CniError(CniError.INVALID_ENVIRONMENT, "CNI_COMMAND: \"" + command + "\" is not one of "
          + String.join(", ", CniPlugin.COMMANDS));
    }
    Map<String, String> args = args(env.getOrDefault("CNI_ARGS", ""));
    if (command.equals(CniPlugin.VERSION)) {
      return new CniCall(command, "", "", "", args, null, CniVersions.LATEST, "");
    }
    JsonObject config = object(configText);
    String version = CniVersions.check(string(config, "cniVersion", true));
    String network = string(config, "network", true);
    return new CniCall(command, env.getOrDefault("CNI_CONTAINERID", ""), env.getOrDefault("CNI_NETNS", ""),
        env.getOrDefault("CNI_IFNAME", ""), args, config, version, network);
  }

  /**
   * The configuration's cniVersion if it has a readable one, else {@link CniVersions#LATEST}: the
   * version of an error object written before the configuration was fully read.
   */
  static String versionOf(String configText) {
    try {
      JsonElement v = JsonParser.parseString(configText).getAsJsonObject().get("cniVersion");
      return v != null && v.isJsonPrimitive() && !v.getAsString().isEmpty() ? v.getAsString() : CniVersions.LATEST;
    } catch (RuntimeException e) {
      return CniVersions.LATEST;
    }
  }

  /** The configuration as a JSON object, or code 6 (not JSON) / 7 (JSON but not an object). */
  private static JsonObject object(String text) {
    JsonElement parsed;
    try {
      parsed = JsonParser.parseString(text);
    } catch (JsonParseException e) {
      throw new CniError(CniError.DECODE_FAILURE, "network configuration: not valid JSON", e.getMessage());
    }
    if (!parsed.isJsonObject()) {
      throw new CniError(CniError.INVALID_CONFIG, "network configuration: not a JSON object");
    }
    return parsed.getAsJsonObject();
  }

  /** A string field of the configuration; "" when absent and not required. */
  static String string(JsonObject config, String field, boolean required) {
    JsonElement value = config.get(field);
    if (value == null || value.isJsonNull()) {
      if (required) {
        throw new CniError(CniError.INVALID_CONFIG, field + ": missing from the network configuration");
      }
      return "";
    }
    if (!(value instanceof JsonPrimitive p) || !p.isString() || p.getAsString().isEmpty()) {
      throw new CniError(CniError.INVALID_CONFIG, field + ": must be a non-empty string");
    }
    return p.getAsString();
  }

  /** CNI_ARGS: "K1=V1;K2=V2" (the specification's form); a pair without '=' is code 4. */
  private static Map<String, String> args(String text) {
    Map<String, String> args = new LinkedHashMap<>();
    if (text.isEmpty()) {
      return args;
    }
    for (String pair : text.split(";")) {
      if (pair.isEmpty()) {
        continue; // "A=1;;B=2" and a trailing ';', as runtimes write them
      }
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new CniError(CniError.INVALID_ENVIRONMENT, "CNI_ARGS: \"" + pair + "\" is not KEY=VALUE");
      }
      args.put(pair.substring(0, eq), pair.substring(eq + 1));
    }
    return args;
  }

  /** Checks the variables a command needs: each must be set (and the container id well formed). */
  CniCall require(boolean containerId, boolean netns, boolean ifname) {
    if (containerId) {
      if (this.containerId.isEmpty()) {
        throw new CniError(CniError.INVALID_ENVIRONMENT, "CNI_CONTAINERID: missing");
      }
      if (!CONTAINER_ID.matcher(this.containerId).matches()) {
        throw new CniError(CniError.INVALID_ENVIRONMENT, "CNI_CONTAINERID: \"" + this.containerId + "\" must start "
            + "with a letter or digit and hold only letters, digits, '_', '.' and '-'");
      }
    }
    if (netns && this.netns.isEmpty()) {
      throw new CniError(CniError.INVALID_ENVIRONMENT, "CNI_NETNS: missing");
    }
    if (ifname && this.ifname.isEmpty()) {
      throw new CniError(CniError.INVALID_ENVIRONMENT, "CNI_IFNAME: missing");
    }
    return this;
  }
}
