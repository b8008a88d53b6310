package dev.cnm.controller.domain.validation;

import dev.cnm.runtime.errors.CnmException;

/**
 * DNS names as host files and resolv.conf take them (RFC 1123 host names): dot-separated labels
 * of 1..63 letters, digits and hyphens, neither starting nor ending with a hyphen, at most 253
 * characters in all, no trailing dot. Such a name cannot carry a space or a line break into
 * the files it is written to.
 */
public final class DnsNames {
  /** The longest name (RFC 1035's 255 octets on the wire, less the length bytes). */
  public static final int MAX_NAME = 253;
  /** The longest label. */
  public static final int MAX_LABEL = 63;

  private DnsNames() {}

  /** Throws INVALID_ARGUMENT naming {@code field} unless {@code name} is a DNS name of at most {@code max} characters. */
  public static String require(String field, String name, int max) {
    return check(field, name, max, false);
  }

  /**
   * As {@link #require}, also allowing '_' inside labels, as names that only cnm's own
   * resolution sees (endpoint aliases, e.g. Compose service names) commonly have.
   */
  public static String requireAlias(String field, String name) {
    return check(field, name, MAX_NAME, true);
  }

  private static String check(String field, String name, int max, boolean underscore) {
    if (name.isEmpty()) {
      throw CnmException.invalidArgument(field, "must not be empty");
    }
    if (name.length() > max) {
      throw CnmException.invalidArgument(field, "a DNS name of at most " + max + " characters, got " + name.length());
    }
    int start = 0;
    while (true) {
      int dot = name.indexOf('.', start);
      int end = dot < 0 ? name.length() : dot;
      label(field, name, start, end, underscore);
      if (dot < 0) {
        return name;
      }
      start = dot + 1;
    }
  }

  private static void label(String field, String name, int start, int end, boolean underscore) {
    int len = end - start;
    if (len == 0) {
      throw CnmException.invalidArgument(field, "not a DNS name (empty label): " + quoted(name));
    }
    if (len > MAX_LABEL) {
      throw CnmException.invalidArgument(field, "not a DNS name (a label is at most " + MAX_LABEL
          + " characters, got " + len + ")");
    }
    for (int i = start; i < end; i++) {
      char c = name.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
          || (underscore && c == '_');
      if (!ok) {
        throw CnmException.invalidArgument(field, "not a DNS name (only letters, digits"
            + (underscore ? ", '_'" : "") + " and '-' in dot-separated labels): " + quoted(name));
      }
    }
    if (name.charAt(start) == '-' || name.charAt(end - 1) == '-') {
      throw CnmException.invalidArgument(field, "not a DNS name (a label neither starts nor ends with '-'): "
          + quoted(name));
    }
  }

  /** The name for an error message, line breaks and other control characters escaped. */
  private static String quoted(String name) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < name.length() && i < 80; i++) {
      char c = name.charAt(i);
      b.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
    }
    return b.append(name.length() > 80 ? "...\"" : "\"").toString();
  }
}
