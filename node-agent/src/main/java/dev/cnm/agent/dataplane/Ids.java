package dev.cnm.agent.dataplane;

import dev.cnm.runtime.errors.CnmException;

/**
 * Object ids and the names and marks derived from them. The id syntax and the {@code cnm:<id>}
 * marking are public: the overlay marks what it creates the same way.
 */
public final class Ids {
  /** Ids are 64 hex characters in cnm; tests and tools may use shorter readable ones: [A-Za-z0-9][A-Za-z0-9_.-]{0,127}. */
  /** The alias prefix that marks a link as cnm's: {@code cnm:<id>}. */
  static final String OWNER_PREFIX = "cnm:";

  private Ids() {}

  /** The id itself, or INVALID_ARGUMENT naming {@code field}. */
  public static String check(String field, String id) {
    if (id == null || !valid(id)) {
      throw CnmException.invalidArgument(field, "bad id '" + id + "': use 1-128 characters of [A-Za-z0-9_.-]");
    }
    return id;
  }

  /** The same test as the documented pattern without a regex: every snapshot checks every object's id. */
  private static boolean valid(String id) {
    int n = id.length();
    if (n == 0 || n > 128) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = id.charAt(i);
      boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-'))) {
        return false;
      }
    }
    return true;
  }

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
