package dev.cnm.agent.netlink;

import dev.cnm.agent.netlink.codec.Attributes;
import dev.cnm.agent.netlink.codec.IfInfoMsg;
import dev.cnm.agent.netlink.codec.IfLinkH;
import dev.cnm.agent.netlink.codec.MessageWriter;
import dev.cnm.agent.netlink.codec.NetlinkH;
import dev.cnm.agent.netlink.codec.NetlinkMessage;
import dev.cnm.agent.netlink.codec.RtnetlinkH;
import dev.cnm.agent.netlink.link.Link;
import dev.cnm.agent.netlink.link.LinkSpec;
import dev.cnm.agent.netlink.sys.NoSuchDeviceException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Link operations of one {@link NetlinkHandle}: {@code ip link ...}. */
public final class Links {
  private final NetlinkSocket socket;

  Links(NetlinkSocket socket) {
    this.socket = socket;
  }

  /** Equivalent to: {@code ip link show}. */
  public List<Link> list() {
    MessageWriter w = new MessageWriter(RtnetlinkH.RTM_GETLINK, NetlinkH.NLM_F_DUMP)
        .ifInfoMsg(IfInfoMsg.ofIndex(0));
    List<Link> out = new ArrayList<>();
    for (NetlinkMessage m : socket.dump(w, "ip link show", RtnetlinkH.RTM_NEWLINK)) {
      out.add(decode(m));
    }
    return out;
  }

  /** Equivalent to: {@code ip link show dev NAME}; throws {@link NoSuchDeviceException} if absent. */
  public Link get(String name) {
    InterfaceName.check("name", name);
    MessageWriter w = new MessageWriter(RtnetlinkH.RTM_GETLINK, 0)
        .ifInfoMsg(IfInfoMsg.ofIndex(0))
        .attrString(IfLinkH.IFLA_IFNAME, name);
    return decode(socket.get(w, "ip link show dev " + name));
  }

  /** Equivalent to: {@code ip link show} of the link with this index. */
  public Link get(int index) {
    MessageWriter w = new MessageWriter(RtnetlinkH.RTM_GETLINK, 0).ifInfoMsg(IfInfoMsg.ofIndex(index));
    return decode(socket.get(w, "ip link show <index " + index + ">"));
  }

  /** Like {@link #get(String)}, empty instead of ENODEV. */
  public Optional<Link> find(String name) {
    try {
      return Optional.of(get(name));
    } catch (NoSuchDeviceException e) {
      return Optional.empty();
    }
  }

  /**
   * Equivalent to: {@code ip link add NAME [mtu M] [address MAC] [master B] [alias A] type KIND ...}
   * (and {@code up}). Fails with EEXIST if the name is taken.
   */
  public void add(LinkSpec spec) {
    socket.execute(addRequest(spec), spec.describe());
    if (spec.alias() != null && spec.namespaceFd() < 0) {
      // the kernel ignores IFLA_IFALIAS when creating a link; only a set applies it
      setAlias(spec.name(), spec.alias());
    }
  }

  /** The RTM_NEWLINK of {@link #add}: ifinfomsg, the common attributes, IFLA_LINKINFO{kind, data}. */
  static MessageWriter addRequest(LinkSpec spec) {
    int up = spec.up() ? IfLinkH.IFF_UP : 0;
    MessageWriter w = new MessageWriter(RtnetlinkH.RTM_NEWLINK,
        NetlinkH.NLM_F_CREATE | NetlinkH.NLM_F_EXCL)
        .ifInfoMsg(new IfInfoMsg(RtnetlinkH.AF_UNSPEC, 0, 0, up, up))
        .attrString(IfLinkH.IFLA_IFNAME, spec.name());
    if (spec.mtu() > 0) {
      w.attrU32(IfLinkH.IFLA_MTU, spec.mtu());
    }
    if (spec.mac() != null) {
      w.attr(IfLinkH.IFLA_ADDRESS, spec.mac().bytes());
    }
    if (spec.masterIndex() > 0) {
      w.attrU32(IfLinkH.IFLA_MASTER, spec.masterIndex());
    }
    if (spec.namespaceFd() >= 0) {
      w.attrU32(IfLinkH.IFLA_NET_NS_FD, spec.namespaceFd());
    }
    spec.kind().writeLinkAttrs(w);
    int info = w.beginNested(IfLinkH.IFLA_LINKINFO);
    w.attrString(IfLinkH.IFLA_INFO_KIND, spec.kind().kind());
    int data = w.beginNested(IfLinkH.IFLA_INFO_DATA);
    spec.kind().writeInfoData(w);
    w.endNested(data);
    w.endNested(info);
    return w;
  }

  /** Equivalent to: {@code ip link del NAME}. Fails with ENODEV if absent. */
  public void delete(String name) {
    InterfaceName.check("name", name);
    MessageWriter w = new MessageWriter(RtnetlinkH.RTM_DELLINK, 0)
        .ifInfoMsg(IfInfoMsg.ofIndex(0))
        .attrString(IfLinkH.IFLA_IFNAME, name);
    socket.execute(w, "ip link del " + name);
  }

  /** Equivalent to: {@code ip link del} of the link with this index. */
  public void delete(int index) {
    MessageWriter w = new MessageWriter(RtnetlinkH.RTM_DELLINK, 0).ifInfoMsg(IfInfoMsg.ofIndex(index));
    socket.execute(w, "ip link del <index " + index + ">");
  }

  /**
   * Like {@link #delete(int)}, but a link already gone (ENODEV: deleted meanwhile, or with its
   * namespace) is what was wanted, not an error.
   */
  public void deleteIfPresent(int index) {
    try {
      delete(index);
    } catch (NoSuchDeviceException gone) {
      // already gone: what we wanted
    }
  }

  /** Equivalent to: {@code ip link set NAME up}. */
  public void setUp(String name) {
    set(name, IfLinkH.IFF_UP, IfLinkH.IFF_UP, "up");
  }

  /**
   * Equivalent to: {@code ip link set NAME addrgenmode none}: the link will make no IPv6
   * link-local address when it comes up, so a link that carries no IPv6 sends no duplicate-address
   * probe and no MLD report. On a bridge each of those is flooded to every port; with hundreds of
   * containers that cost the kernel more CPU than creating the veth. The kernel refuses the mode
   * in a create (EAFNOSUPPORT), and in the request that brings a link up it comes too late when
   * the link has carrier at once (its veth peer is up): the address is made on the way up, before
   * the mode is applied. So it goes in a request of its own, or with an up while the peer is down.
   */
  public void setNoLinkLocal(String name) {
    socket.execute(noLinkLocal(setter(name, 0, 0)), "ip link set " + name + " addrgenmode none");
  }

  /** {@link #setNoLinkLocal} and up in one request: only for a link without carrier yet (see there). */
  public void setUpWithoutLinkLocal(String name) {
    socket.execute(noLinkLocal(setter(name, IfLinkH.IFF_UP, IfLinkH.IFF_UP)), "ip link set " + name + " addrgenmode none up");
  }

  private static MessageWriter noLinkLocal(MessageWriter w) {
    int spec = w.beginNested(IfLinkH.IFLA_AF_SPEC);
    int inet6 = w.beginNested(RtnetlinkH.AF_INET6);
    w.attrU8(IfLinkH.IFLA_INET6_ADDR_GEN_MODE, IfLinkH.IN6_ADDR_GEN_MODE_NONE);
    w.endNested(inet6);
    w.endNested(spec);
    return w;
  }

  /** Equivalent to: {@code ip link set NAME down}. */
  public void setDown(String name) {
    set(name, 0, IfLinkH.IFF_UP, "down");
  }

  /** Equivalent to: {@code ip link set NAME mtu MTU}. */
  public void setMtu(String name, int mtu) {
    if (mtu == 0) {
      throw dev.cnm.runtime.errors.CnmException.invalidArgument("mtu", "MTU 0 is out of range [" + Mtu.MIN + ", " + Mtu.MAX + "]");
    }
    Mtu.check("mtu", mtu);
    MessageWriter w = setter(name, 0, 0).attrU32(IfLinkH.IFLA_MTU, mtu);
    socket.execute(w, "ip link set " + name + " mtu " + mtu);
  }

  /** Equivalent to: {@code ip link set NAME address MAC}. */
  public void setMac(String name, MacAddress mac) {
    mac.checkUnicast("mac");
    MessageWriter w = setter(name, 0, 0).attr(IfLinkH.IFLA_ADDRESS, mac.bytes());
    socket.execute(w, "ip link set " + name + " address " + mac);
  }

  /** Equivalent to: {@code ip link set NAME master BRIDGE}. */
  public void setMaster(String name, String master) {
    int masterIndex = get(master).index();
    MessageWriter w = setter(name, 0, 0).attrU32(IfLinkH.IFLA_MASTER, masterIndex);
    socket.execute(w, "ip link set " + name + " master " + master);
  }

  /** Equivalent to: {@code ip link set NAME nomaster}. */
  public void setNoMaster(String name) {
    MessageWriter w = setter(name, 0, 0).attrU32(IfLinkH.IFLA_MASTER, 0);
    socket.execute(w, "ip link set " + name + " nomaster");
  }

  /** Equivalent to: {@code ip link set NAME alias ALIAS}. */
  public void setAlias(String name, String alias) {
    MessageWriter w = setter(name, 0, 0).attrString(IfLinkH.IFLA_IFALIAS, alias);
    socket.execute(w, "ip link set " + name + " alias " + alias);
  }

  /** Equivalent to: {@code ip link set NAME name NEWNAME} (the link must be down). */
  public void setName(String name, String newName) {
    InterfaceName.check("newName", newName);
    int index = get(name).index();
    MessageWriter w = new MessageWriter(RtnetlinkH.RTM_SETLINK, 0)
        .ifInfoMsg(IfInfoMsg.ofIndex(index))
        .attrString(IfLinkH.IFLA_IFNAME, newName);
    socket.execute(w, "ip link set " + name + " name " + newName);
  }

  /** Equivalent to: {@code ip link set NAME netns <fd>} (costly: ~16 ms; prefer creating links in place). */
  public void setNamespace(String name, int namespaceFd) {
    MessageWriter w = setter(name, 0, 0).attrU32(IfLinkH.IFLA_NET_NS_FD, namespaceFd);
    socket.execute(w, "ip link set " + name + " netns <fd " + namespaceFd + ">");
  }

  private void set(String name, int flags, int change, String verb) {
    socket.execute(setter(name, flags, change), "ip link set " + name + " " + verb);
  }

  /** RTM_SETLINK addressed by name (ifi_index 0 + IFLA_IFNAME). */
  private static MessageWriter setter(String name, int flags, int change) {
    InterfaceName.check("name", name);
    return new MessageWriter(RtnetlinkH.RTM_SETLINK, 0)
        .ifInfoMsg(new IfInfoMsg(RtnetlinkH.AF_UNSPEC, 0, 0, flags, change))
        .attrString(IfLinkH.IFLA_IFNAME, name);
  }

  static Link decode(NetlinkMessage m) {
    IfInfoMsg info = IfInfoMsg.decode(m.bodyView());
    Attributes a = m.attributesAfter(IfInfoMsg.SIZE);
    Attributes linkInfo = a.nested(IfLinkH.IFLA_LINKINFO);
    MacAddress mac = a.bytes(IfLinkH.IFLA_ADDRESS).filter(b -> b.length == 6).map(MacAddress::of).orElse(null);
    return new Link(info.index(), a.string(IfLinkH.IFLA_IFNAME).orElse(""), info.flags(),
        a.u32(IfLinkH.IFLA_MTU).orElse(0), mac, a.u32(IfLinkH.IFLA_MASTER).orElse(0),
        a.string(IfLinkH.IFLA_IFALIAS).orElse(""), linkInfo.string(IfLinkH.IFLA_INFO_KIND).orElse(""),
        a.u32(IfLinkH.IFLA_LINK).orElse(0));
  }
}
