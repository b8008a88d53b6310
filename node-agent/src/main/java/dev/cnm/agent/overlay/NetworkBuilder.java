package dev.cnm.agent.overlay;

import dev.cnm.agent.netlink.NetlinkHandle;
import dev.cnm.agent.netlink.link.Bridge;
import dev.cnm.agent.netlink.link.Link;
import dev.cnm.agent.netlink.link.LinkSpec;
import dev.cnm.agent.netlink.link.Vxlan;
import dev.cnm.agent.netlink.sys.AlreadyExistsException;
import dev.cnm.api.v1.ErrorReason;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.runtime.net.IpPrefix;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One ensureNetwork pass inside a network's namespace: the bridge (MTU, marking, gateway
 * addresses, up) and the VXLAN device. Everything in that namespace is the network's own, so a
 * device that differs from the spec is simply replaced. Runs under the dataplane's lock.
 */
final class NetworkBuilder {
  private final KernelOverlayDataplane dp;
  private final OverlayNetwork net;
  private final OverlayNetworkSpec spec;
  private final int mtu;
  private final NetlinkHandle nl;
  private final String mark;

  NetworkBuilder(KernelOverlayDataplane dp, OverlayNetwork net, OverlayNetworkSpec spec, int mtu) {
    this.dp = dp;
    this.net = net;
    this.spec = spec;
    this.mtu = mtu;
    this.nl = net.netlink;
    this.mark = OverlayIds.mark(spec.networkId());
  }

  /** @return true if something was created or repaired */
  boolean ensure() {
    boolean changed = ensureBridge();
    changed |= ensureBridgeAddresses();
    changed |= ensureVxlan();
    return changed;
  }

  private boolean ensureBridge() {
    Optional<Link> found = nl.links().find(OverlayIds.BRIDGE);
    if (found.isPresent() && !found.get().kind().equals("bridge")) {
      nl.links().deleteIfPresent(found.get().index());
      found = Optional.empty();
    }
    if (found.isEmpty()) {
      nl.links().add(LinkSpec.of(OverlayIds.BRIDGE, new Bridge()).withMtu(mtu).withAlias(mark).withUp(true));
      net.bridgeIndex = nl.links().get(OverlayIds.BRIDGE).index();
      return true;
    }
    Link br = found.get();
    net.bridgeIndex = br.index();
    boolean changed = false;
    if (!mark.equals(br.alias())) {
      nl.links().setAlias(OverlayIds.BRIDGE, mark);
      changed = true;
    }
    if (br.mtu() != mtu) {
      nl.links().setMtu(OverlayIds.BRIDGE, mtu);
      changed = true;
    }
    if (!br.isUp()) {
      nl.links().setUp(OverlayIds.BRIDGE);
      changed = true;
    }
    return changed;
  }

  private boolean ensureBridgeAddresses() {
    List<IpPrefix> want = spec.bridgeAddresses();
    List<IpPrefix> have = KernelOverlayDataplane.configuredAddresses(nl, net.bridgeIndex);
    boolean changed = false;
    for (IpPrefix p : have) {
      if (!want.contains(p)) {
        nl.addresses().delete(net.bridgeIndex, p);
        changed = true;
      }
    }
    for (IpPrefix p : want) {
      if (!have.contains(p)) {
        nl.addresses().replace(net.bridgeIndex, p);
        changed = true;
      }
    }
    return changed;
  }

  private boolean ensureVxlan() {
    VxlanDevice keep = null;
    boolean changed = false;
    for (VxlanDevice d : VxlanLinks.list(net.netlink)) {
      if (keep == null && d.name().equals(OverlayIds.VXLAN) && d.matches(spec.vni(), spec.localAddress(), spec.dstPort())) {
        keep = d;
      } else {
        // another VNI, address or port, or a second device: left by an earlier spec or a crash
        nl.links().deleteIfPresent(d.index());
        changed = true;
      }
    }
    if (keep == null) {
      nl.links().find(OverlayIds.VXLAN).ifPresent(l -> nl.links().deleteIfPresent(l.index()));
      createVxlan();
      return true;
    }
    if (net.vxlanIndex != keep.index()) {
      // first look after a restart: the peers it holds are read from the kernel on demand
      net.vxlanIndex = keep.index();
      net.fdb = null;
      net.neighbours = null;
    }
    if (!mark.equals(keep.alias())) {
      nl.links().setAlias(OverlayIds.VXLAN, mark);
      changed = true;
    }
    if (keep.mtu() != mtu) {
      nl.links().setMtu(OverlayIds.VXLAN, mtu);
      changed = true;
    }
    if (keep.masterIndex() != net.bridgeIndex) {
      nl.links().setMaster(OverlayIds.VXLAN, OverlayIds.BRIDGE);
      changed = true;
    }
    if (!keep.up()) {
      nl.links().setUp(OverlayIds.VXLAN);
      changed = true;
    }
    return changed;
  }

  private void createVxlan() {
    try {
      create();
    } catch (AlreadyExistsException e) {
      // the VNI is held by another device on the same underlay: one of ours left behind is
      // removed and the create retried once; anything else is reported, never "file exists"
      new VniConflicts(dp, spec).free(e);
      create();
    }
    nl.links().setAlias(OverlayIds.VXLAN, mark);
    nl.links().setMaster(OverlayIds.VXLAN, OverlayIds.BRIDGE);
    nl.links().setUp(OverlayIds.VXLAN);
    net.vxlanReplaced(nl.links().get(OverlayIds.VXLAN).index());
    if (!net.desiredPeers.isEmpty()) {
      PeerProgrammer.apply(net, net.desiredPeers);
    }
  }

  private void create() {
    // sent on the underlay's socket but born in the network's namespace (IFLA_NET_NS_FD): its
    // link-net (UDP socket, encapsulated routing) stays the underlay's, and the ~16 ms of a
    // later "ip link set netns" is avoided. Proxy answers ARP/ND from the neighbour table.
    dp.host().links().add(LinkSpec.of(OverlayIds.VXLAN,
            Vxlan.overlay(spec.vni(), spec.localAddress(), spec.dstPort()).withProxy(true))
        .withMtu(mtu).withNamespaceFd(net.namespace.fd()));
  }

  static CnmException vniInUse(OverlayNetworkSpec spec, String holder, Throwable cause) {
    return new CnmException(ErrorKind.FAILED_PRECONDITION, ErrorReason.VNI_IN_USE, "VNI " + spec.vni() + " (port "
        + spec.dstPort() + ") is already used on this node's underlay by " + holder,
        Map.of("vni", Integer.toString(spec.vni())), cause);
  }
}
