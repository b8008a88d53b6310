package dev.cnm.agent.dns;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The forms a name takes in the resolver: lookups are case-insensitive and the trailing dot is
 * optional, so every name is kept lower-case without it; answers carry the fully qualified form.
 */
final class DnsNames {
  /** An RFC 1123 label: letters, digits and inner hyphens, 1 to 63 bytes. */
  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  /** RFC 1035's limit on a name in text form, without the trailing dot. */
  static final int MAX_LENGTH = 253;
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private DnsNames() {}

  /** Lower-case, without the trailing dot ("Db." and "db" are the same name). */
  static String normalize(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
  }

  /** Is the normalized {@code name} a host name made of RFC 1123 labels, at most 253 bytes? */
  static boolean isHostName(String name) {
    if (name.isEmpty() || name.length() > MAX_LENGTH) {
      return false;
    }
    for (String label : name.split("\\.", -1)) {
      if (!LABEL.matcher(label).matches()) {
        return false;
      }
    }
    return true;
  }

  /** The name with its trailing dot, as it goes into an answer. */
  static String qualified(String normalized) {
    return normalized + ".";
  }

  /** A name of one label ("db"): the only kind the records hold that has no upstream meaning. */
  static boolean isSingleLabel(String normalized) {
    return !normalized.isEmpty() && normalized.indexOf('.') < 0;
  }

  /**
   * The PTR name of an address, normalized: {@code 4.3.2.1.in-addr.arpa} for 1.2.3.4, and one
   * nibble per label under {@code ip6.arpa} for IPv6 (RFC 3596).
   */
  static String reverse(InetAddress address) {
    byte[] b = address.getAddress();
    StringBuilder out = new StringBuilder(address instanceof Inet4Address ? 29 : 73);
    if (address instanceof Inet4Address) {
      for (int i = b.length - 1; i >= 0; i--) {
        out.append(b[i] & 0xff).append('.');
      }
      return out.append("in-addr.arpa").toString();
    }
    for (int i = b.length - 1; i >= 0; i--) {
      out.append(HEX[b[i] & 0xf]).append('.').append(HEX[(b[i] >> 4) & 0xf]).append('.');
    }
    return out.append("ip6.arpa").toString();
  }
}
