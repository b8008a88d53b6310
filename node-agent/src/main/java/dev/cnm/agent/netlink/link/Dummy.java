package dev.cnm.agent.netlink.link;

import dev.cnm.agent.netlink.codec.MessageWriter;

/** A dummy link: an interface that drops everything (test fixtures, parents of macvlans). */
public record Dummy() implements LinkKind {
  @Override
  public String kind() {
    return "dummy";
  }

  @Override
  public void writeInfoData(MessageWriter w) {}

  @Override
  public String describe() {
    return "type dummy";
  }
}
