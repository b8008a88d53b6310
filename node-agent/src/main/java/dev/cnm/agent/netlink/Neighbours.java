package dev.cnm.agent.netlink;

import dev.cnm.agent.netlink.codec.Attributes;
import dev.cnm.agent.netlink.codec.MessageWriter;
import dev.cnm.agent.netlink.codec.NdMsg;
import dev.cnm.agent.netlink.codec.NeighbourH;
import dev.cnm.agent.netlink.codec.NetlinkH;
import dev.cnm.agent.netlink.codec.NetlinkMessage;
import dev.cnm.agent.netlink.codec.RtnetlinkH;
import dev.cnm.runtime.errors.CnmException;
import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.List;

/** Neighbour and bridge FDB operations of one {@link NetlinkHandle}: {@code ip neigh ...}, {@code bridge fdb ...}. */
public final class Neighbours {
  private final NetlinkSocket socket;

  Neighbours(NetlinkSocket socket) {
    this.socket = socket;
  }

  /** Equivalent to: {@code ip neigh add IP lladdr MAC dev <index> nud STATE}. */
  public void add(Neighbour n) {
    neigh(RtnetlinkH.RTM_NEWNEIGH, NetlinkH.NLM_F_CREATE | NetlinkH.NLM_F_EXCL, n, "add");
  }

  /** Equivalent to: {@code ip neigh replace IP lladdr MAC dev <index> nud STATE} (idempotent). */
  public void replace(Neighbour n) {
    neigh(RtnetlinkH.RTM_NEWNEIGH, NetlinkH.NLM_F_CREATE | NetlinkH.NLM_F_REPLACE, n, "replace");
  }

  /** Equivalent to: {@code ip neigh del IP dev <index>}. */
  public void delete(Neighbour n) {
    neigh(RtnetlinkH.RTM_DELNEIGH, 0, n, "del");
  }

  /** Equivalent to: {@code ip neigh show} (family AF_INET or AF_INET6; index 0 for all links). */
  public List<Neighbour> list(int family, int index) {
    List<Neighbour> out = new ArrayList<>();
    for (NetlinkMessage m : dump(family, "ip neigh show")) {
      NdMsg nd = NdMsg.decode(m.bodyView());
      if (index != 0 && nd.ifindex() != index) {
        continue;
      }
      Attributes a = m.attributesAfter(NdMsg.SIZE);
      byte[] dst = a.bytes(NeighbourH.NDA_DST).orElse(null);
      if (dst == null) {
        continue;
      }
      MacAddress mac = a.bytes(NeighbourH.NDA_LLADDR).filter(b -> b.length == 6).map(MacAddress::of).orElse(null);
      out.add(new Neighbour(nd.ifindex(), Addresses.toInet(dst), mac, nd.state(), nd.flags()));
    }
    return out;
  }

  /** Equivalent to: {@code bridge fdb add MAC dev <index> [dst IP] self|master permanent}. */
  public void addFdb(FdbEntry e) {
    fdb(RtnetlinkH.RTM_NEWNEIGH, NetlinkH.NLM_F_CREATE | NetlinkH.NLM_F_EXCL, e, "add");
  }

  /**
   * Equivalent to: {@code bridge fdb append MAC dev <index> dst IP self permanent}. On a VXLAN
   * device an all-zero MAC appended per remote gives head-end replication of flooded traffic.
   */
  public void appendFdb(FdbEntry e) {
    fdb(RtnetlinkH.RTM_NEWNEIGH, NetlinkH.NLM_F_CREATE | NetlinkH.NLM_F_APPEND, e, "append");
  }

  /** Equivalent to: {@code bridge fdb replace MAC dev <index> [dst IP] self|master permanent}. */
  public void replaceFdb(FdbEntry e) {
    fdb(RtnetlinkH.RTM_NEWNEIGH, NetlinkH.NLM_F_CREATE | NetlinkH.NLM_F_REPLACE, e, "replace");
  }

  /** Equivalent to: {@code bridge fdb del MAC dev <index> [dst IP] self|master}. */
  public void deleteFdb(FdbEntry e) {
    fdb(RtnetlinkH.RTM_DELNEIGH, 0, e, "del");
  }

  /** Equivalent to: {@code bridge fdb show} (index 0 for every port). */
  public List<FdbEntry> listFdb(int index) {
    List<FdbEntry> out = new ArrayList<>();
    for (NetlinkMessage m : dump(RtnetlinkH.AF_BRIDGE, "bridge fdb show")) {
      NdMsg nd = NdMsg.decode(m.bodyView());
      if (index != 0 && nd.ifindex() != index) {
        continue;
      }
      Attributes a = m.attributesAfter(NdMsg.SIZE);
      MacAddress mac = a.bytes(NeighbourH.NDA_LLADDR).filter(b -> b.length == 6).map(MacAddress::of).orElse(null);
      if (mac == null) {
        continue;
      }
      out.add(new FdbEntry(nd.ifindex(), mac, a.bytes(NeighbourH.NDA_DST).map(Addresses::toInet).orElse(null),
          nd.state(), nd.flags()));
    }
    return out;
  }

  private List<NetlinkMessage> dump(int family, String operation) {
    MessageWriter w = new MessageWriter(RtnetlinkH.RTM_GETNEIGH, NetlinkH.NLM_F_DUMP)
        .ndMsg(new NdMsg(family, 0, 0, 0, 0));
    return socket.dump(w, operation, RtnetlinkH.RTM_NEWNEIGH);
  }

  private void neigh(int type, int flags, Neighbour n, String verb) {
    int family = n.ip() instanceof Inet4Address ? RtnetlinkH.AF_INET : RtnetlinkH.AF_INET6;
    MessageWriter w = new MessageWriter(type, flags)
        .ndMsg(new NdMsg(family, n.index(), n.state(), n.flags(), 0))
        .attr(NeighbourH.NDA_DST, n.ip().getAddress());
    if (n.mac() != null) {
      w.attr(NeighbourH.NDA_LLADDR, n.mac().bytes());
    }
    socket.execute(w, "ip neigh " + verb + " " + n.ip().getHostAddress()
        + (n.mac() != null ? " lladdr " + n.mac() : "") + " dev <index " + n.index() + ">");
  }

  private void fdb(int type, int flags, FdbEntry e, String verb) {
    if (e.mac() == null) {
      throw CnmException.invalidArgument("mac", "an FDB entry needs a MAC address");
    }
    MessageWriter w = new MessageWriter(type, flags)
        .ndMsg(new NdMsg(RtnetlinkH.AF_BRIDGE, e.index(), e.state(), e.flags(), 0))
        .attr(NeighbourH.NDA_LLADDR, e.mac().bytes());
    if (e.destination() != null) {
      w.attr(NeighbourH.NDA_DST, e.destination().getAddress());
    }
    socket.execute(w, "bridge fdb " + verb + " " + e.mac() + " dev <index " + e.index() + ">"
        + (e.destination() != null ? " dst " + e.destination().getHostAddress() : ""));
  }
}
