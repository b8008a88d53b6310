package dev.cnm.agent.netlink.link;

import dev.cnm.agent.netlink.codec.MessageWriter;

/**
 * A kind of link (IFLA_INFO_KIND) and how it encodes its own options. One class per kind,
 * so adding a kind never touches the others.
 */
public sealed interface LinkKind permits Veth, Bridge, Vxlan, Macvlan, Ipvlan, Dummy {
  /** The kernel's name of the kind, e.g. "veth". */
  String kind();

  /** Writes the IFLA_INFO_DATA payload (inside the nest opened by the caller); may write nothing. */
  void writeInfoData(MessageWriter w);

  /** Writes top-level attributes the kind needs (e.g. IFLA_LINK, the parent of a macvlan). */
  default void writeLinkAttrs(MessageWriter w) {}

  /** The kind's part of the equivalent "ip link add ..." command, for messages. */
  String describe();
}
