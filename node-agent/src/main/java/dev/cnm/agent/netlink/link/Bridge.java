package dev.cnm.agent.netlink.link;

import dev.cnm.agent.netlink.codec.MessageWriter;

/** A Linux bridge (STP off, the kernel default, so ports forward at once). */
public record Bridge() implements LinkKind {
  @Override
  public String kind() {
    return "bridge";
  }

  @Override
  public void writeInfoData(MessageWriter w) {}

  @Override
  public String describe() {
    return "type bridge";
  }
}
