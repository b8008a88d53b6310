package dev.cnm.agent.overlay;

import java.util.ArrayList;
import java.util.List;

/**
 * Finds and removes what holds a VNI when a VXLAN create answered EEXIST (the kernel allows one
 * device per VNI and port on an underlay namespace). Devices marked {@code cnm:} in the underlay
 * namespace, and VXLAN devices in our other overlay namespaces, are leftovers: VNIs are unique
 * across the cluster, and a live network of this node with the same VNI was refused before.
 * A device that is not cnm's is never touched.
 */
final class VniConflicts {
  private final KernelOverlayDataplane dp;
  private final OverlayNetworkSpec spec;

  VniConflicts(KernelOverlayDataplane dp, OverlayNetworkSpec spec) {
    this.dp = dp;
    this.spec = spec;
  }

  /** Removes our leftovers holding the VNI; throws VNI_IN_USE when there were none to remove. */
  void free(RuntimeException exists) {
    List<String> foreign = new ArrayList<>();
    int removed = 0;
    for (VxlanDevice d : VxlanLinks.list(dp.host())) {
      if (holds(d)) {
        if (OverlayIds.ownerOf(d.alias()) != null) {
          dp.host().links().deleteIfPresent(d.index());
          removed++;
        } else {
          foreign.add("device " + d.name() + " (not cnm's)");
        }
      }
    }
    if (!foreign.isEmpty()) {
      throw NetworkBuilder.vniInUse(spec, String.join(", ", foreign), exists);
    }
    for (String name : dp.namespaces().list()) {
      if (name.equals(spec.networkId())) {
        continue;
      }
      OverlayNetwork open = dp.openNetworks().get(name);
      OverlayNetwork other = open != null ? open : dp.openNamespace(name, false);
      try {
        for (VxlanDevice d : VxlanLinks.list(other.netlink)) {
          if (holds(d)) {
            other.netlink.links().deleteIfPresent(d.index());
            removed++;
          }
        }
      } finally {
        if (open == null) {
          other.close();
        }
      }
    }
    if (removed == 0) {
      throw NetworkBuilder.vniInUse(spec, "a VXLAN device outside cnm's namespaces (e.g. another overlay driver's)",
          exists);
    }
  }

  private boolean holds(VxlanDevice d) {
    return d.vni() == spec.vni() && d.port() == spec.dstPort();
  }
}
