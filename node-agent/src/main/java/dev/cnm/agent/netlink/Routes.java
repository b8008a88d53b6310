package dev.cnm.agent.netlink;

import dev.cnm.agent.netlink.codec.Attributes;
import dev.cnm.agent.netlink.codec.MessageWriter;
import dev.cnm.agent.netlink.codec.NetlinkH;
import dev.cnm.agent.netlink.codec.NetlinkMessage;
import dev.cnm.agent.netlink.codec.RtMsg;
import dev.cnm.agent.netlink.codec.RtnetlinkH;
import dev.cnm.runtime.net.IpPrefix;
import java.util.ArrayList;
import java.util.List;

/** Route operations of one {@link NetlinkHandle}: {@code ip route ...}. Add, replace and delete differ only in flags. */
public final class Routes {
  private final NetlinkSocket socket;

  Routes(NetlinkSocket socket) {
    this.socket = socket;
  }

  /** Equivalent to: {@code ip route add ...}; EEXIST if an equal route exists. */
  public void add(Route route) {
    change(RtnetlinkH.RTM_NEWROUTE, NetlinkH.NLM_F_CREATE | NetlinkH.NLM_F_EXCL, route, "add");
  }

  /** Equivalent to: {@code ip route replace ...} (idempotent). */
  public void replace(Route route) {
    change(RtnetlinkH.RTM_NEWROUTE, NetlinkH.NLM_F_CREATE | NetlinkH.NLM_F_REPLACE, route, "replace");
  }

  /** Equivalent to: {@code ip route del ...}; ESRCH (NotFound) if absent. */
  public void delete(Route route) {
    change(RtnetlinkH.RTM_DELROUTE, 0, route, "del");
  }

  /** Equivalent to: {@code ip route replace default via GW dev <index>}. */
  public void replaceDefault(java.net.InetAddress gateway, int outIndex) {
    replace(Route.defaultVia(gateway, outIndex));
  }

  /** Equivalent to: {@code ip [-6] route show table main} (family AF_INET or AF_INET6). */
  public List<Route> list(int family) {
    MessageWriter w = new MessageWriter(RtnetlinkH.RTM_GETROUTE, NetlinkH.NLM_F_DUMP)
        .rtMsg(new RtMsg(family, 0, 0, 0, 0, 0, 0, 0, 0));
    List<Route> out = new ArrayList<>();
    for (NetlinkMessage m : socket.dump(w, "ip route show", RtnetlinkH.RTM_NEWROUTE)) {
      RtMsg r = RtMsg.decode(m.bodyView());
      Attributes a = m.attributesAfter(RtMsg.SIZE);
      int table = a.u32(RtnetlinkH.RTA_TABLE).orElse(r.table());
      if (table != RtnetlinkH.RT_TABLE_MAIN || r.type() != RtnetlinkH.RTN_UNICAST) {
        continue;
      }
      IpPrefix dst = a.bytes(RtnetlinkH.RTA_DST).map(b -> new IpPrefix(Addresses.toInet(b), r.dstLength())).orElse(null);
      java.net.InetAddress gw = a.bytes(RtnetlinkH.RTA_GATEWAY).map(Addresses::toInet).orElse(null);
      if (dst == null && gw == null) {
        continue;
      }
      out.add(new Route(dst, gw, a.u32(RtnetlinkH.RTA_OIF).orElse(0), table, r.scope(), r.protocol(),
          a.u32(RtnetlinkH.RTA_PRIORITY).orElse(0)));
    }
    return out;
  }

  private void change(int type, int flags, Route route, String verb) {
    int family = route.isIpv4() ? RtnetlinkH.AF_INET : RtnetlinkH.AF_INET6;
    int table = route.table() == 0 ? RtnetlinkH.RT_TABLE_MAIN : route.table();
    int dstLen = route.destination() == null ? 0 : route.destination().length();
    // deletes match loosely (protocol/scope 0 = any), as iproute2 does
    boolean del = type == RtnetlinkH.RTM_DELROUTE;
    MessageWriter w = new MessageWriter(type, flags).rtMsg(new RtMsg(family, dstLen, 0, 0, table,
        del ? 0 : route.protocol(), del ? RtnetlinkH.RT_SCOPE_NOWHERE : route.scope(),
        del ? 0 : RtnetlinkH.RTN_UNICAST, 0));
    if (route.destination() != null && dstLen > 0) {
      w.attr(RtnetlinkH.RTA_DST, route.destination().address().getAddress());
    }
    if (route.gateway() != null) {
      w.attr(RtnetlinkH.RTA_GATEWAY, route.gateway().getAddress());
    }
    if (route.outIndex() > 0) {
      w.attrU32(RtnetlinkH.RTA_OIF, route.outIndex());
    }
    if (route.priority() > 0) {
      w.attrU32(RtnetlinkH.RTA_PRIORITY, route.priority());
    }
    socket.execute(w, "ip route " + verb + " " + route.describe());
  }
}
