package dev.cnm.agent.overlay;

import dev.cnm.agent.netlink.FdbEntry;
import dev.cnm.agent.netlink.MacAddress;
import dev.cnm.agent.netlink.Neighbour;
import dev.cnm.agent.netlink.Neighbours;
import dev.cnm.agent.netlink.codec.NeighbourH;
import dev.cnm.agent.netlink.codec.RtnetlinkH;
import dev.cnm.agent.netlink.sys.NotFoundException;
import dev.cnm.runtime.errors.CnmException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Makes a network's VXLAN device hold exactly a set of peers: one static FDB entry per remote MAC
 * ({@code bridge fdb replace MAC dev vxlan0 dst REMOTE self permanent}) and one permanent
 * neighbour entry per remote IP ({@code ip neigh replace IP lladdr MAC dev vxlan0 nud permanent}),
 * which the device's proxy answers ARP / neighbour solicitations from, so nothing is flooded.
 * Only differences are written: new entries first (FDB before neighbour, so an answered ARP
 * always finds its tunnel), then removals (neighbour before FDB).
 */
final class PeerProgrammer {
  private PeerProgrammer() {}

  /** Validates the whole set before any kernel change. */
  static void validate(OverlayNetworkSpec spec, Set<Peer> peers) {
    Map<InetAddress, MacAddress> byIp = new HashMap<>();
    Map<MacAddress, InetAddress> byMac = new HashMap<>();
    boolean v4Underlay = spec.localAddress() instanceof Inet4Address;
    for (Peer p : peers) {
      if ((p.remote() instanceof Inet4Address) != v4Underlay) {
        throw CnmException.invalidArgument("remote", "peer " + p.ip().getHostAddress() + "'s node address "
            + p.remote().getHostAddress() + " is not of the underlay's family (local " + spec.localAddress().getHostAddress() + ")");
      }
      boolean v4 = p.ip() instanceof Inet4Address;
      if (v4 ? spec.subnetV4() == null || !spec.subnetV4().contains(p.ip())
          : spec.subnetV6() == null || !spec.subnetV6().contains(p.ip())) {
        throw CnmException.invalidArgument("ip", "peer " + p.ip().getHostAddress() + " is outside network "
            + spec.networkId() + "'s subnets");
      }
      MacAddress otherMac = byIp.put(p.ip(), p.mac());
      if (otherMac != null && !otherMac.equals(p.mac())) {
        throw CnmException.invalidArgument("ip", "peer " + p.ip().getHostAddress() + " is given two MACs: "
            + otherMac + " and " + p.mac());
      }
      InetAddress otherRemote = byMac.put(p.mac(), p.remote());
      if (otherRemote != null && !otherRemote.equals(p.remote())) {
        throw CnmException.invalidArgument("mac", "MAC " + p.mac() + " is given two nodes: "
            + otherRemote.getHostAddress() + " and " + p.remote().getHostAddress());
      }
    }
  }

  static PeerChanges apply(OverlayNetwork net, Set<Peer> peers) {
    Neighbours nb = net.netlink.neighbours();
    if (net.fdb == null || net.neighbours == null) {
      readKernel(net, nb);
    }
    Map<MacAddress, InetAddress> wantFdb = new HashMap<>();
    Map<InetAddress, MacAddress> wantNeigh = new HashMap<>();
    for (Peer p : peers) {
      wantFdb.put(p.mac(), p.remote());
      wantNeigh.put(p.ip(), p.mac());
    }
    int fdbWritten = 0;
    int neighWritten = 0;
    int fdbRemoved = 0;
    int neighRemoved = 0;
    for (Map.Entry<MacAddress, InetAddress> e : wantFdb.entrySet()) {
      if (!e.getValue().equals(net.fdb.get(e.getKey()))) {
        nb.replaceFdb(FdbEntry.vxlanPeer(net.vxlanIndex, e.getKey(), e.getValue()));
        net.fdb.put(e.getKey(), e.getValue());
        fdbWritten++;
      }
    }
    for (Map.Entry<InetAddress, MacAddress> e : wantNeigh.entrySet()) {
      if (!e.getValue().equals(net.neighbours.get(e.getKey()))) {
        nb.replace(Neighbour.permanent(net.vxlanIndex, e.getKey(), e.getValue()));
        net.neighbours.put(e.getKey(), e.getValue());
        neighWritten++;
      }
    }
    for (InetAddress ip : List.copyOf(net.neighbours.keySet())) {
      if (!wantNeigh.containsKey(ip)) {
        try {
          nb.delete(new Neighbour(net.vxlanIndex, ip, null, 0, 0));
        } catch (NotFoundException gone) {
          // already gone: what we wanted
        }
        net.neighbours.remove(ip);
        neighRemoved++;
      }
    }
    for (MacAddress mac : List.copyOf(net.fdb.keySet())) {
      if (!wantFdb.containsKey(mac)) {
        try {
          // without a destination the whole entry goes, whatever remote it pointed to
          nb.deleteFdb(new FdbEntry(net.vxlanIndex, mac, null, 0, NeighbourH.NTF_SELF));
        } catch (NotFoundException gone) {
          // already gone
        }
        try {
          // and what the bridge learned from its traffic, so no frame is sent towards it any more
          nb.deleteFdb(new FdbEntry(net.vxlanIndex, mac, null, 0, NeighbourH.NTF_MASTER));
        } catch (NotFoundException notLearned) {
          // the bridge had not learned it
        }
        net.fdb.remove(mac);
        fdbRemoved++;
      }
    }
    return new PeerChanges(fdbWritten, neighWritten, fdbRemoved, neighRemoved);
  }

  /** What the VXLAN device holds now: its own (NTF_SELF) permanent FDB entries and permanent neighbours. */
  static void readKernel(OverlayNetwork net, Neighbours nb) {
    Map<MacAddress, InetAddress> fdb = new HashMap<>();
    for (FdbEntry e : nb.listFdb(net.vxlanIndex)) {
      if ((e.flags() & NeighbourH.NTF_SELF) != 0 && (e.state() & NeighbourH.NUD_PERMANENT) != 0
          && e.destination() != null && !isZero(e.mac())) {
        fdb.put(e.mac(), e.destination());
      }
    }
    Map<InetAddress, MacAddress> neigh = new HashMap<>();
    for (int family : new int[] {RtnetlinkH.AF_INET, RtnetlinkH.AF_INET6}) {
      for (Neighbour n : nb.list(family, net.vxlanIndex)) {
        if ((n.state() & NeighbourH.NUD_PERMANENT) != 0 && n.mac() != null) {
          neigh.put(n.ip(), n.mac());
        }
      }
    }
    net.fdb = fdb;
    net.neighbours = neigh;
  }

  private static boolean isZero(MacAddress mac) {
    for (byte b : mac.bytes()) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }
}
