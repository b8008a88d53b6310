package dev.cnm.agent.overlay;

import dev.cnm.agent.netlink.MacAddress;
import dev.cnm.agent.netlink.NetlinkHandle;
import dev.cnm.agent.netns.NetNamespace;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * One overlay network on this node while the dataplane has it open: its namespace, the netlink
 * socket opened inside it, the indexes of its bridge and VXLAN device, and the peers the
 * kernel holds. Not thread-safe: used under the dataplane's lock.
 */
final class OverlayNetwork implements AutoCloseable {
  final NetNamespace namespace;
  final NetlinkHandle netlink;
  OverlayNetworkSpec spec;
  int mtu;
  String underlayLink;
  int bridgeIndex;
  int vxlanIndex;
  /** The peers last asked for, re-applied when the VXLAN device had to be replaced. */
  Set<Peer> desiredPeers = Set.of();
  /** FDB entries (MAC → remote) the VXLAN device holds, or null until read from the kernel. */
  Map<MacAddress, InetAddress> fdb;
  /** Neighbour entries (IP → MAC) the VXLAN device holds, or null until read from the kernel. */
  Map<InetAddress, MacAddress> neighbours;

  OverlayNetwork(NetNamespace namespace, NetlinkHandle netlink) {
    this.namespace = namespace;
    this.netlink = netlink;
  }

  /** A fresh VXLAN device holds no peers. */
  void vxlanReplaced(int index) {
    vxlanIndex = index;
    fdb = new HashMap<>();
    neighbours = new HashMap<>();
  }

  OverlayNetworkState state(boolean changed) {
    return new OverlayNetworkState(spec.networkId(), namespace.path(), spec.vni(), mtu, underlayLink, changed);
  }

  @Override
  public void close() {
    netlink.close();
    namespace.close();
  }
}
