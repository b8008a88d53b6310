package dev.cnm.agent.dataplane;

import dev.cnm.runtime.errors.CnmException;
import java.util.regex.Pattern;

/**
 * Object ids and the names and marks derived from them. The id syntax and the {@code cnm:<id>}
 * marking are public: the overlay marks what it creates the same way.
 */
public final class Ids {
  /** Ids are 64 hex characters in cnm; tests and tools may use shorter readable ones. */
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
  /** The alias prefix that marks a link as cnm's: {@code cnm:<id>}. */
  static final String OWNER_PREFIX = "cnm:";

  private Ids() {}

  /** The id itself, or INVALID_ARGUMENT naming {@code field}. */
  public static String check(String field, String id) {
    if (id == null || !ID.matcher(id).matches()) {
      throw CnmException.invalidArgument(field, "bad id '" + id + "': use 1-128 characters of [A-Za-z0-9_.-]");
    }
    return id;
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
