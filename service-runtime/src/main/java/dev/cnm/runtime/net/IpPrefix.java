package dev.cnm.runtime.net;

import com.google.common.net.InetAddresses;
import dev.cnm.runtime.errors.CnmException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An address with a prefix length, e.g. 10.1.0.2/24 or fd00::2/64, as the node agent holds it:
 * {@link #parse} keeps the host bits (an interface address as much as a subnet);
 * {@link #parseSubnet} clears them (a subnet, so that {@code 10.0.0.7/24} and {@code 10.0.0.0/24}
 * render the same nftables rule). Printed as {@code ip} and nft print it ({@code fd00::2/64}).
 */
public record IpPrefix(InetAddress address, int length) {
  public IpPrefix {
    int max = address instanceof Inet4Address ? 32 : 128;
    if (length < 0 || length > max) {
      throw CnmException.invalidArgument("prefix", "prefix length " + length + " out of range [0, " + max + "]");
    }
  }

  /** Parses "a.b.c.d/len" or "x::y/len"; literals only (never a DNS lookup). */
  public static IpPrefix parse(String field, String text) {
    if (text == null) {
      throw CnmException.invalidArgument(field, "address is missing");
    }
    int slash = text.indexOf('/');
    String addr = slash < 0 ? text : text.substring(0, slash);
    InetAddress a = parseAddress(field, addr);
    int max = a instanceof Inet4Address ? 32 : 128;
    int len = max;
    if (slash >= 0) {
      try {
        len = Integer.parseInt(text.substring(slash + 1));
      } catch (NumberFormatException e) {
        throw CnmException.invalidArgument(field, "malformed prefix length in '" + text + "'");
      }
    }
    if (len < 0 || len > max) {
      throw CnmException.invalidArgument(field, "prefix length in '" + text + "' out of range [0, " + max + "]");
    }
    return new IpPrefix(a, len);
  }

  /**
   * Parses {@code a.b.c.d/n} or {@code x:y::/n} into the subnet it names, host bits cleared; the
   * field is "subnet"; literal addresses only (Guava's grammar), never a DNS lookup.
   */
  public static IpPrefix parseSubnet(String cidr) {
    if (cidr == null) {
      throw CnmException.invalidArgument("subnet", "is missing");
    }
    int slash = cidr.indexOf('/');
    if (slash < 0) {
      throw CnmException.invalidArgument("subnet", "'" + cidr + "' is not in CIDR form (address/length)");
    }
    String literal = cidr.substring(0, slash).trim();
    if (!InetAddresses.isInetAddress(literal)) {
      throw CnmException.invalidArgument("subnet", "'" + cidr.substring(0, slash) + "' is not an IP address");
    }
    InetAddress address = InetAddresses.forString(literal);
    int length;
    try {
      length = Integer.parseInt(cidr.substring(slash + 1));
    } catch (NumberFormatException e) {
      throw CnmException.invalidArgument("subnet", "'" + cidr + "' has a malformed prefix length");
    }
    int max = address.getAddress().length * 8;
    if (length < 0 || length > max) {
      throw CnmException.invalidArgument("subnet", "prefix length " + length + " out of range 0.." + max);
    }
    return new IpPrefix(mask(address, length), length);
  }

  /** Parses an IP literal; rejects host names so no lookup can happen. */
  public static InetAddress parseAddress(String field, String text) {
    if (!looksLiteral(text)) {
      throw notAnAddress(field, text);
    }
    try {
      if (text.indexOf(':') < 0) {
        byte[] v4 = dottedQuad(text);
        if (v4 == null) {
          // a group above 255 is no address; InetAddress would take it for a host name and look it up
          throw notAnAddress(field, text);
        }
        if (!leadingZero(text)) {
          return InetAddress.getByAddress(v4); // the common form, without the JDK's generic literal parsing
        }
        // groups with leading zeros (which the JDK may read or refuse as ambiguous): as the JDK says
        return InetAddress.getByName(text);
      }
      // in brackets a malformed IPv6 literal is refused instead of being looked up as a host name
      return InetAddress.getByName("[" + text + "]");
    } catch (UnknownHostException e) {
      throw notAnAddress(field, text);
    }
  }

  private static CnmException notAnAddress(String field, String text) {
    return CnmException.invalidArgument(field, "'" + text + "' is not an IP address");
  }

  /**
   * The syntax check done before any parsing (hand-written, every snapshot's new addresses pass
   * here): with a ':' only hex digits, ':' and '.'; without, four dot-separated groups of 1-3
   * decimal digits.
   */
  private static boolean looksLiteral(String text) {
    if (text == null || text.isEmpty()) {
      return false;
    }
    int n = text.length();
    if (text.indexOf(':') >= 0) {
      for (int i = 0; i < n; i++) {
        char c = text.charAt(i);
        boolean ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
        if (!ok) {
          return false;
        }
      }
      return true;
    }
    int groups = 0;
    int digits = 0;
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c >= '0' && c <= '9') {
        if (++digits > 3) {
          return false;
        }
      } else if (c == '.' && digits > 0) {
        groups++;
        digits = 0;
      } else {
        return false;
      }
    }
    return groups == 3 && digits > 0;
  }

  /** The four bytes of a dotted quad that passed {@link #looksLiteral}, or null when a group exceeds 255. */
  private static byte[] dottedQuad(String text) {
    byte[] out = new byte[4];
    int group = 0;
    int value = 0;
    for (int i = 0; i <= text.length(); i++) {
      char c = i < text.length() ? text.charAt(i) : '.';
      if (c == '.') {
        if (value > 255) {
          return null;
        }
        out[group++] = (byte) value;
        value = 0;
      } else {
        value = value * 10 + (c - '0');
      }
    }
    return out;
  }

  /** Whether a group of a dotted quad that passed {@link #looksLiteral} has a leading zero (e.g. "010"). */
  private static boolean leadingZero(String text) {
    for (int i = 0; i + 1 < text.length(); i++) {
      if (text.charAt(i) == '0' && (i == 0 || text.charAt(i - 1) == '.') && text.charAt(i + 1) != '.') {
        return true;
      }
    }
    return false;
  }

  public boolean isIpv4() {
    return address instanceof Inet4Address;
  }

  public boolean isIpv6() {
    return address instanceof Inet6Address;
  }

  /** Throws INVALID_ARGUMENT unless this prefix is IPv4. */
  public IpPrefix requireIpv4(String field) {
    if (!isIpv4()) {
      throw CnmException.invalidArgument(field, "expected an IPv4 address, got " + this);
    }
    return this;
  }

  /** Throws INVALID_ARGUMENT unless this prefix is IPv6. */
  public IpPrefix requireIpv6(String field) {
    if (!isIpv6()) {
      throw CnmException.invalidArgument(field, "expected an IPv6 address, got " + this);
    }
    return this;
  }

  /** True when {@code other} lies in this prefix's subnet. */
  public boolean contains(InetAddress other) {
    byte[] a = address.getAddress();
    byte[] b = other.getAddress();
    if (a.length != b.length) {
      return false;
    }
    int full = length / 8;
    for (int i = 0; i < full; i++) {
      if (a[i] != b[i]) {
        return false;
      }
    }
    int rest = length % 8;
    if (rest == 0) {
      return true;
    }
    int mask = (0xff << (8 - rest)) & 0xff;
    return (a[full] & mask) == (b[full] & mask);
  }

  /** The network address: this prefix's address with the host bits cleared. */
  public InetAddress network() {
    return mask(address, length);
  }

  private static InetAddress mask(InetAddress address, int length) {
    byte[] bytes = address.getAddress();
    for (int i = 0; i < bytes.length; i++) {
      int bitsKept = Math.max(0, Math.min(8, length - i * 8));
      bytes[i] &= (byte) (0xff << (8 - bitsKept));
    }
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("a 4 or 16 byte address is always valid", e);
    }
  }

  /** "address/len" with the address in its compact form ({@code ::1}, not {@code 0:0:0:0:0:0:0:1}). */
  @Override
  public String toString() {
    return InetAddresses.toAddrString(address) + "/" + length;
  }
}
