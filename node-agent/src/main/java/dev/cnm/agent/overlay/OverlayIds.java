package dev.cnm.agent.overlay;

import dev.cnm.runtime.errors.CnmException;
import java.util.regex.Pattern;

/** Ids, the names derived from them, and the {@code cnm:<id>} marking of what the overlay creates. */
final class OverlayIds {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
  /** The same marking the bridge dataplane uses: an alias {@code cnm:<id>}. */
  static final String OWNER_PREFIX = "cnm:";
  /** The bridge inside a network's namespace (names there are the network's own). */
  static final String BRIDGE = "br0";
  /** The VXLAN device inside a network's namespace. */
  static final String VXLAN = "vxlan0";

  private OverlayIds() {}

  static String check(String field, String id) {
    if (id == null || !ID.matcher(id).matches() || id.equals("..")) {
      throw CnmException.invalidArgument(field, "bad id '" + id + "': use 1-128 characters of [A-Za-z0-9_.-]");
    }
    return id;
  }

  static String mark(String id) {
    return OWNER_PREFIX + id;
  }

  /** The id an alias marks, or null when the link is not cnm's. */
  static String ownerOf(String alias) {
    return alias != null && alias.startsWith(OWNER_PREFIX) ? alias.substring(OWNER_PREFIX.length()) : null;
  }

  /** The host end of an endpoint's veth, inside the network's namespace: "ve-" + 12 characters of the id. */
  static String hostInterfaceFor(String endpointId) {
    return "ve-" + (endpointId.length() > 12 ? endpointId.substring(0, 12) : endpointId);
  }
}
