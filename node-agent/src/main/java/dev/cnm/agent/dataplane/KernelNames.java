package dev.cnm.agent.dataplane;

/**
 * The names and marks the agent derives from object ids for what it creates in the kernel. The
 * {@code cnm:<id>} marking is public: the overlay marks what it creates the same way. (The id
 * syntax itself is {@link dev.cnm.runtime.ids.Ids}.)
 */
public final class KernelNames {
  /** The alias prefix that marks a link as cnm's: {@code cnm:<id>}. */
  static final String OWNER_PREFIX = "cnm:";

  private KernelNames() {}

  /** The alias cnm writes on what it creates for object {@code id}. */
  public static String mark(String id) {
    return OWNER_PREFIX + id;
  }

  /** The object id an alias marks, or null when the link is not cnm's. */
  public static String ownerOf(String alias) {
    return alias != null && alias.startsWith(OWNER_PREFIX) ? alias.substring(OWNER_PREFIX.length()) : null;
  }

  /** "cnm" + the first 12 characters of the id: at most 15 bytes, an interface name. */
  static String hostInterfaceFor(String endpointId) {
    String s = endpointId.length() > 12 ? endpointId.substring(0, 12) : endpointId;
    return "cnm" + s;
  }

  /** "cnm-" + the first 11 characters of the network id. */
  static String bridgeFor(String networkId) {
    String s = networkId.length() > 11 ? networkId.substring(0, 11) : networkId;
    return "cnm-" + s;
  }
}
