package dev.cnm.agent.netlink.link;

import dev.cnm.agent.netlink.codec.IfLinkH;
import dev.cnm.agent.netlink.codec.MessageWriter;
import dev.cnm.runtime.errors.CnmException;

/** A macvlan sub-interface of a parent link (the macvlan driver's data half). */
public record Macvlan(int parentIndex, Mode mode) implements LinkKind {
  /** enum macvlan_mode (if_link.h). */
  public enum Mode {
    PRIVATE(1), VEPA(2), BRIDGE(4), PASSTHRU(8);

    final int value;

    Mode(int value) {
      this.value = value;
    }
  }

  public Macvlan {
    if (parentIndex <= 0) {
      throw CnmException.invalidArgument("parent", "a macvlan needs a parent link");
    }
  }

  @Override
  public String kind() {
    return "macvlan";
  }

  @Override
  public void writeLinkAttrs(MessageWriter w) {
    w.attrU32(IfLinkH.IFLA_LINK, parentIndex);
  }

  @Override
  public void writeInfoData(MessageWriter w) {
    w.attrU32(IfLinkH.IFLA_MACVLAN_MODE, mode.value);
  }

  @Override
  public String describe() {
    return "link <" + parentIndex + "> type macvlan mode " + mode.name().toLowerCase();
  }
}
