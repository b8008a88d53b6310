package dev.cnm.agent.overlay;

import dev.cnm.agent.dataplane.KernelNames;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.ids.Ids;

/** The overlay's names derived from ids; the id syntax and {@code cnm:<id>} marking are the bridge dataplane's {@link Ids}. */
final class OverlayIds {
  /** The bridge inside a network's namespace (names there are the network's own). */
  static final String BRIDGE = "br0";
  /** The VXLAN device inside a network's namespace. */
  static final String VXLAN = "vxlan0";

  private OverlayIds() {}

  /** The bridge dataplane's id syntax, less "..": an overlay network id also names a file. */
  static String check(String field, String id) {
    if ("..".equals(id)) {
      throw CnmException.invalidArgument(field, "bad id '" + id + "': use 1-128 characters of [A-Za-z0-9_.-]");
    }
    return Ids.check(field, id);
  }

  /** The same marking the bridge dataplane uses: an alias {@code cnm:<id>}. */
  static String mark(String id) {
    return KernelNames.mark(id);
  }

  /** The id an alias marks, or null when the link is not cnm's. */
  static String ownerOf(String alias) {
    return KernelNames.ownerOf(alias);
  }

  /** The host end of an endpoint's veth, inside the network's namespace: "ve-" + 12 characters of the id. */
  static String hostInterfaceFor(String endpointId) {
    return "ve-" + (endpointId.length() > 12 ? endpointId.substring(0, 12) : endpointId);
  }
}
