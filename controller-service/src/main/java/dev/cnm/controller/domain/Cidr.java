package dev.cnm.controller.domain;

import dev.cnm.runtime.errors.CnmException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An IPv4 or IPv6 prefix ("10.1.0.0/16") or an address with a prefix length ("10.1.0.7/16").
 * Parsing never resolves names: only literals are accepted.
 *
 * @param address the address bytes as written (4 or 16)
 * @param prefix the prefix length
 */
public record Cidr(byte[] address, int prefix) {

  /** Parses "ADDR/LEN"; INVALID_ARGUMENT naming {@code field} otherwise. */
  public static Cidr parse(String field, String text) {
    int slash = text.indexOf('/');
    if (slash < 0) {
      throw CnmException.invalidArgument(field, "not a CIDR (ADDRESS/LENGTH): " + text);
    }
    byte[] addr = parseAddress(field, text.substring(0, slash));
    int len;
    try {
      len = Integer.parseInt(text.substring(slash + 1));
    } catch (NumberFormatException e) {
      throw CnmException.invalidArgument(field, "bad prefix length in " + text);
    }
    if (len < 0 || len > addr.length * 8) {
      throw CnmException.invalidArgument(field, "prefix length out of range in " + text);
    }
    return new Cidr(addr, len);
  }

  /** Parses an address literal without prefix length. */
  public static byte[] parseAddress(String field, String text) {
    if (text.isEmpty()) {
      throw CnmException.invalidArgument(field, "empty address");
    }
    if (text.indexOf(':') < 0) {
      String[] parts = text.split("\\.", -1);
      if (parts.length != 4) {
        throw CnmException.invalidArgument(field, "not an IP address: " + text);
      }
      byte[] b = new byte[4];
      for (int i = 0; i < 4; i++) {
        int v;
        try {
          v = parts[i].isEmpty() || parts[i].length() > 3 ? -1 : Integer.parseInt(parts[i]);
        } catch (NumberFormatException e) {
          v = -1;
        }
        if (v < 0 || v > 255) {
          throw CnmException.invalidArgument(field, "not an IP address: " + text);
        }
        b[i] = (byte) v;
      }
      return b;
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!(Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
        throw CnmException.invalidArgument(field, "not an IP address: " + text);
      }
    }
    try {
      // a literal with ':' is never looked up in DNS
      byte[] b = InetAddress.getByName(text).getAddress();
      if (b.length != 16) {
        throw CnmException.invalidArgument(field, "not an IPv6 address: " + text);
      }
      return b;
    } catch (UnknownHostException e) {
      throw CnmException.invalidArgument(field, "not an IP address: " + text);
    }
  }

  public boolean isIpv6() {
    return address.length == 16;
  }

  /** The network address (host bits cleared). */
  public BigInteger network() {
    return new BigInteger(1, address).and(mask());
  }

  private BigInteger mask() {
    int bits = address.length * 8;
    return BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE)
        .xor(BigInteger.ONE.shiftLeft(bits - prefix).subtract(BigInteger.ONE));
  }

  /** True if {@code addr} (same family) lies in this prefix. */
  public boolean contains(byte[] addr) {
    return addr.length == address.length && new BigInteger(1, addr).and(mask()).equals(network());
  }

  /** True if {@code other} lies completely inside this prefix. */
  public boolean contains(Cidr other) {
    return other.address.length == address.length && other.prefix >= prefix && contains(other.address);
  }

  /** True if the two prefixes share an address. */
  public boolean overlaps(Cidr other) {
    return other.address.length == address.length && (contains(other.address) || other.contains(address));
  }

  /** The address part as text. */
  public String addressText() {
    return format(address);
  }

  /** "network/len" with host bits cleared. */
  public String networkText() {
    byte[] raw = network().toByteArray();
    byte[] b = new byte[address.length];
    int n = Math.min(raw.length, b.length);
    System.arraycopy(raw, raw.length - n, b, b.length - n, n);
    return format(b) + "/" + prefix;
  }

  public static String format(byte[] b) {
    try {
      String s = InetAddress.getByAddress(b).getHostAddress();
      return b.length == 16 ? compressV6(s) : s;
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static String compressV6(String full) {
    // Java prints 0:0:0:0:0:0:0:1; users write ::1 (RFC 5952 style, longest zero run)
    String[] g = full.split(":");
    int bestStart = -1;
    int bestLen = 0;
    for (int i = 0; i < g.length; ) {
      if (g[i].equals("0")) {
        int j = i;
        while (j < g.length && g[j].equals("0")) {
          j++;
        }
        if (j - i > bestLen && j - i > 1) {
          bestStart = i;
          bestLen = j - i;
        }
        i = j;
      } else {
        i++;
      }
    }
    if (bestStart < 0) {
      return full;
    }
    String head = String.join(":", Arrays.copyOfRange(g, 0, bestStart));
    String tail = String.join(":", Arrays.copyOfRange(g, bestStart + bestLen, g.length));
    return head + "::" + tail;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cidr c && c.prefix == prefix && Arrays.equals(c.address, address);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(address) * 31 + prefix;
  }

  @Override
  public String toString() {
    return format(address) + "/" + prefix;
  }
}
