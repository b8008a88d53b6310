package dev.cnm.agent.netlink;

import dev.cnm.agent.netlink.codec.Attributes;
import dev.cnm.agent.netlink.codec.IfAddrH;
import dev.cnm.agent.netlink.codec.IfAddrMsg;
import dev.cnm.agent.netlink.codec.MessageWriter;
import dev.cnm.agent.netlink.codec.NetlinkH;
import dev.cnm.agent.netlink.codec.NetlinkMessage;
import dev.cnm.agent.netlink.codec.RtnetlinkH;
import dev.cnm.runtime.net.IpPrefix;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/** Address operations of one {@link NetlinkHandle}: {@code ip addr ...}. */
public final class Addresses {
  private final NetlinkSocket socket;

  Addresses(NetlinkSocket socket) {
    this.socket = socket;
  }

  /** Equivalent to: {@code ip addr add PREFIX dev <index>}; EEXIST if already there. */
  public void add(int index, IpPrefix prefix) {
    change(RtnetlinkH.RTM_NEWADDR, NetlinkH.NLM_F_CREATE | NetlinkH.NLM_F_EXCL, index, prefix, "add");
  }

  /** Equivalent to: {@code ip addr replace PREFIX dev <index>} (idempotent). */
  public void replace(int index, IpPrefix prefix) {
    change(RtnetlinkH.RTM_NEWADDR, NetlinkH.NLM_F_CREATE | NetlinkH.NLM_F_REPLACE, index, prefix, "replace");
  }

  /** Equivalent to: {@code ip addr del PREFIX dev <index>}; EADDRNOTAVAIL (NotFound) if absent. */
  public void delete(int index, IpPrefix prefix) {
    change(RtnetlinkH.RTM_DELADDR, 0, index, prefix, "del");
  }

  /** Equivalent to: {@code ip addr show} (index 0: every link; family AF_UNSPEC: both). */
  public List<Address> list(int index, int family) {
    MessageWriter w = new MessageWriter(RtnetlinkH.RTM_GETADDR, NetlinkH.NLM_F_DUMP)
        .ifAddrMsg(new IfAddrMsg(family, 0, 0, 0, 0));
    List<Address> out = new ArrayList<>();
    for (NetlinkMessage m : socket.dump(w, "ip addr show", RtnetlinkH.RTM_NEWADDR)) {
      IfAddrMsg msg = IfAddrMsg.decode(m.bodyView());
      if (index != 0 && msg.index() != index) {
        continue;
      }
      Attributes a = m.attributesAfter(IfAddrMsg.SIZE);
      byte[] raw = a.bytes(IfAddrH.IFA_LOCAL).or(() -> a.bytes(IfAddrH.IFA_ADDRESS)).orElse(null);
      if (raw == null) {
        continue;
      }
      out.add(new Address(msg.index(), new IpPrefix(toInet(raw), msg.prefixLength()),
          a.u32(IfAddrH.IFA_FLAGS).orElse(msg.flags()), msg.scope(), a.string(IfAddrH.IFA_LABEL).orElse("")));
    }
    return out;
  }

  private void change(int type, int flags, int index, IpPrefix prefix, String verb) {
    int family = prefix.isIpv4() ? RtnetlinkH.AF_INET : RtnetlinkH.AF_INET6;
    // IPv6: no duplicate address detection. cnm's IPAM owns the subnet, and DAD would leave
    // the address "tentative" (unusable) for about a second after every attach.
    int addrFlags = prefix.isIpv6() ? IfAddrH.IFA_F_NODAD : 0;
    byte[] addr = prefix.address().getAddress();
    MessageWriter w = new MessageWriter(type, flags)
        .ifAddrMsg(new IfAddrMsg(family, prefix.length(), addrFlags, RtnetlinkH.RT_SCOPE_UNIVERSE, index))
        .attr(IfAddrH.IFA_LOCAL, addr)
        .attr(IfAddrH.IFA_ADDRESS, addr);
    if (addrFlags != 0) {
      w.attrU32(IfAddrH.IFA_FLAGS, addrFlags);
    }
    socket.execute(w, "ip addr " + verb + " " + prefix + " dev <index " + index + ">");
  }

  static InetAddress toInet(byte[] raw) {
    try {
      return InetAddress.getByAddress(raw);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("address of " + raw.length + " bytes", e);
    }
  }
}
