package dev.cnm.agent.netlink.link;

import dev.cnm.agent.netlink.codec.IfLinkH;
import dev.cnm.agent.netlink.codec.MessageWriter;
import dev.cnm.runtime.errors.CnmException;

/** An ipvlan sub-interface of a parent link (the ipvlan driver's data half). */
public record Ipvlan(int parentIndex, Mode mode) implements LinkKind {
  /** enum ipvlan_mode (if_link.h), a u16 on the wire. */
  public enum Mode {
    L2(0), L3(1), L3S(2);

    final int value;

    Mode(int value) {
      this.value = value;
    }
  }

  public Ipvlan {
    if (parentIndex <= 0) {
      throw CnmException.invalidArgument("parent", "an ipvlan needs a parent link");
    }
  }

  @Override
  public String kind() {
    return "ipvlan";
  }

  @Override
  public void writeLinkAttrs(MessageWriter w) {
    w.attrU32(IfLinkH.IFLA_LINK, parentIndex);
  }

  @Override
  public void writeInfoData(MessageWriter w) {
    w.attrU16(IfLinkH.IFLA_IPVLAN_MODE, mode.value);
  }

  @Override
  public String describe() {
    return "link <" + parentIndex + "> type ipvlan mode " + mode.name().toLowerCase();
  }
}
