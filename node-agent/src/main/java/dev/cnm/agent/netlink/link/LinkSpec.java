package dev.cnm.agent.netlink.link;

import dev.cnm.agent.netlink.InterfaceName;
import dev.cnm.agent.netlink.MacAddress;
import dev.cnm.agent.netlink.Mtu;
import dev.cnm.runtime.errors.CnmException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A link to create: its name, kind and the attributes common to all kinds. Everything is
 * validated here, before a request is built.
 *
 * @param name the new link's name
 * @param kind what kind of link
 * @param mtu 0 for the kernel's default
 * @param mac null for a kernel-chosen address
 * @param alias IFLA_IFALIAS (cnm marks what it owns with {@code cnm:<id>}), or null. The kernel
 *     ignores an alias in a create, so {@code Links.add} sets it with a second request; it is not
 *     set when the link is created in another namespace (namespaceFd)
 * @param masterIndex the bridge to enslave to at creation, or 0
 * @param up bring it up as it is created
 * @param namespaceFd create it in another namespace (IFLA_NET_NS_FD), or -1
 */
public record LinkSpec(String name, LinkKind kind, int mtu, MacAddress mac, String alias, int masterIndex,
    boolean up, int namespaceFd) {
  /** IFALIASZ - 1: the kernel keeps at most 255 bytes of alias. */
  public static final int MAX_ALIAS_BYTES = 255;

  public LinkSpec {
    InterfaceName.check("name", name);
    Objects.requireNonNull(kind, "kind");
    Mtu.check("mtu", mtu);
    if (mac != null) {
      mac.checkUnicast("mac");
    }
    if (alias != null && alias.getBytes(StandardCharsets.UTF_8).length > MAX_ALIAS_BYTES) {
      throw CnmException.invalidArgument("alias", "alias longer than " + MAX_ALIAS_BYTES + " bytes");
    }
  }

  /** A link with kernel defaults, down, in the handle's namespace. */
  public static LinkSpec of(String name, LinkKind kind) {
    return new LinkSpec(name, kind, 0, null, null, 0, false, -1);
  }

  public LinkSpec withMtu(int value) {
    return new LinkSpec(name, kind, value, mac, alias, masterIndex, up, namespaceFd);
  }

  public LinkSpec withMac(MacAddress value) {
    return new LinkSpec(name, kind, mtu, value, alias, masterIndex, up, namespaceFd);
  }

  public LinkSpec withAlias(String value) {
    return new LinkSpec(name, kind, mtu, mac, value, masterIndex, up, namespaceFd);
  }

  public LinkSpec withMaster(int index) {
    return new LinkSpec(name, kind, mtu, mac, alias, index, up, namespaceFd);
  }

  public LinkSpec withUp(boolean value) {
    return new LinkSpec(name, kind, mtu, mac, alias, masterIndex, value, namespaceFd);
  }

  public LinkSpec withNamespaceFd(int fd) {
    return new LinkSpec(name, kind, mtu, mac, alias, masterIndex, up, fd);
  }

  /** The equivalent iproute2 command, for messages. */
  public String describe() {
    return "ip link add " + name + (namespaceFd >= 0 ? " netns <fd " + namespaceFd + ">" : "")
        + (mtu > 0 ? " mtu " + mtu : "") + (mac != null ? " address " + mac : "")
        + (masterIndex > 0 ? " master <" + masterIndex + ">" : "") + " " + kind.describe();
  }
}
