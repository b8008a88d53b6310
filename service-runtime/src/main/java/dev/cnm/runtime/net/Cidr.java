package dev.cnm.runtime.net;

import com.google.common.net.InetAddresses;
import dev.cnm.runtime.errors.CnmException;
import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 or IPv6 prefix in CIDR text, as the control plane reads it from requests: "10.1.0.0/16",
 * or an address with a prefix length ("10.1.0.7/16"). Parsing never resolves names.
 *
 * <p>Two readings, kept under their own names because callers rely on each:
 * <ul>
 *   <li>{@link #parse} keeps the address as written (the controller validates a request's subnet,
 *       range, gateway, and echoes {@link #networkText} back);
 *   <li>{@link #parseNetwork} clears the host bits ("10.1.2.3/16" is 10.1.0.0/16, as Docker reads
 *       {@code --subnet}) and numbers the addresses inside by ordinal (address minus network
 *       address) for IPAM's bitmaps; an IPv6 network larger than /64 is numbered over its first
 *       2^64 addresses only, as libnetwork does.
 * </ul>
 * The address is held as two 64-bit halves (IPv4 in the low half), as written and with the host
 * bits cleared.
 */
public final class Cidr {
  private final boolean v6;
  private final int prefix;
  /** The address as written. */
  private final long hi;
  private final long lo;
  /** The network address: host bits cleared. */
  private final long netHi;
  private final long netLo;

  private Cidr(boolean v6, long hi, long lo, int prefix) {
    this.v6 = v6;
    this.prefix = prefix;
    this.hi = hi;
    this.lo = lo;
    int host = (v6 ? 128 : 32) - prefix;
    long nh = hi;
    long nl = lo;
    if (host >= 64) {
      nl = 0;
      nh = host == 128 ? 0 : hi & (-1L << (host - 64));
    } else if (host > 0) {
      nl &= -1L << host;
    }
    this.netHi = nh;
    this.netLo = nl;
  }

  private static Cidr ofBytes(byte[] address, int prefix) {
    long[] halves = halves(address);
    return new Cidr(address.length == 16, halves[0], halves[1], prefix);
  }

  /** The network form of this prefix: host bits cleared. */
  private static Cidr network(boolean v6, long hi, long lo, int prefix) {
    Cidr c = new Cidr(v6, hi, lo, prefix);
    return c.hi == c.netHi && c.lo == c.netLo ? c : new Cidr(v6, c.netHi, c.netLo, prefix);
  }

  /**
   * Parses "ADDR/LEN" keeping the address as written; INVALID_ARGUMENT naming {@code field}
   * otherwise. Addresses as {@link #parseAddress} reads them.
   */
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
    return ofBytes(addr, len);
  }

  /**
   * Parses an address literal without prefix length: four decimal groups of at most three digits
   * (leading zeros read as decimal), or IPv6 text.
   */
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

  /**
   * Parses "ADDRESS/PREFIX" into the network it names, host bits cleared; a malformed text is
   * INVALID_ARGUMENT naming {@code field}. Addresses as {@link #parseAddressHalves} reads them.
   */
  public static Cidr parseNetwork(String field, String text) {
    int slash = text.indexOf('/');
    if (slash < 0) {
      throw CnmException.invalidArgument(field, "\"" + text + "\" is not a CIDR (want ADDRESS/PREFIX)");
    }
    long[] a = parseAddressHalves(field, text.substring(0, slash));
    boolean v6 = a[2] == 1;
    int prefix;
    try {
      prefix = Integer.parseInt(text.substring(slash + 1));
    } catch (NumberFormatException e) {
      throw CnmException.invalidArgument(field, "\"" + text + "\" has no numeric prefix length");
    }
    if (prefix < 0 || prefix > (v6 ? 128 : 32) || !text.substring(slash + 1).matches("[0-9]{1,3}")) {
      throw CnmException.invalidArgument(field, "\"" + text + "\": prefix length out of range");
    }
    return network(v6, a[0], a[1], prefix);
  }

  /**
   * Parses a bare address (Guava's literal grammar: no leading zeros in IPv4 groups) into
   * {hi, lo, isV6}, the form {@link #containsAddress} and {@link #ordinalOf(long[])} take;
   * INVALID_ARGUMENT naming {@code field}.
   */
  public static long[] parseAddressHalves(String field, String text) {
    if (text.isEmpty() || !InetAddresses.isInetAddress(text)) {
      throw CnmException.invalidArgument(field, "\"" + text + "\" is not an IP address");
    }
    InetAddress address = InetAddresses.forString(text);
    long[] h = halves(address.getAddress());
    return new long[] {h[0], h[1], address instanceof Inet4Address ? 0 : 1};
  }

  private static long[] halves(byte[] b) {
    if (b.length == 4) {
      return new long[] {0, ((b[0] & 0xffL) << 24) | ((b[1] & 0xffL) << 16) | ((b[2] & 0xffL) << 8) | (b[3] & 0xffL)};
    }
    long h = 0;
    long l = 0;
    for (int i = 0; i < 8; i++) {
      h = (h << 8) | (b[i] & 0xffL);
      l = (l << 8) | (b[i + 8] & 0xffL);
    }
    return new long[] {h, l};
  }

  private static byte[] bytes(boolean v6, long h, long l) {
    if (!v6) {
      return new byte[] {(byte) (l >>> 24), (byte) (l >>> 16), (byte) (l >>> 8), (byte) l};
    }
    byte[] b = new byte[16];
    for (int i = 0; i < 8; i++) {
      b[i] = (byte) (h >>> (56 - 8 * i));
      b[i + 8] = (byte) (l >>> (56 - 8 * i));
    }
    return b;
  }

  /** The address bytes as written (4 or 16); a copy. */
  public byte[] address() {
    return bytes(v6, hi, lo);
  }

  public int prefix() {
    return prefix;
  }

  public boolean isIpv6() {
    return v6;
  }

  public int bits() {
    return v6 ? 128 : 32;
  }

  /** The network address (host bits cleared). */
  public BigInteger network() {
    return new BigInteger(1, bytes(v6, netHi, netLo));
  }

  /** True if {@code addr} (same family) lies in this prefix. */
  public boolean contains(byte[] addr) {
    return addr.length == (v6 ? 16 : 4) && ofBytes(addr, prefix).sameNetwork(this);
  }

  /** True if {@code other} lies completely inside this prefix (same family, longer or equal prefix). */
  public boolean contains(Cidr other) {
    return other.v6 == v6 && other.prefix >= prefix && new Cidr(v6, other.hi, other.lo, prefix).sameNetwork(this);
  }

  private boolean sameNetwork(Cidr other) {
    return netHi == other.netHi && netLo == other.netLo;
  }

  /** True if the two prefixes share an address. */
  public boolean overlaps(Cidr other) {
    return contains(other) || other.contains(this);
  }

  /** The address part as text, as written. */
  public String addressText() {
    return format(v6, hi, lo);
  }

  /** "network/len" with host bits cleared. */
  public String networkText() {
    return format(v6, netHi, netLo) + "/" + prefix;
  }

  /** An address as text: dotted quad, or RFC 5952 for IPv6 ({@code ::1}, not {@code 0:0:0:0:0:0:0:1}). */
  public static String format(byte[] b) {
    try {
      return InetAddresses.toAddrString(InetAddress.getByAddress(b));
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static String format(boolean v6, long h, long l) {
    if (!v6) {
      return ((l >>> 24) & 0xff) + "." + ((l >>> 16) & 0xff) + "." + ((l >>> 8) & 0xff) + "." + (l & 0xff);
    }
    return format(bytes(true, h, l));
  }

  /**
   * The last ordinal, unsigned. An IPv6 /64 or larger is numbered 0 .. 2^64 - 2 (libnetwork's
   * bitmap limit), which keeps -1 free to mean "no ordinal".
   */
  public long lastOrdinal() {
    int host = bits() - prefix;
    return host >= 64 ? -2L : (1L << host) - 1;
  }

  /**
   * The ordinal of an address (from {@link #parseAddressHalves}) this network contains (check
   * {@link #containsAddress} first).
   */
  public long ordinalOf(long[] address) {
    return address[1] - netLo;
  }

  /** True if the parsed address lies in this network's numbered range. */
  public boolean containsAddress(long[] address) {
    if ((address[2] == 1) != v6) {
      return false;
    }
    if (v6 && prefix <= 64) {
      return address[0] == netHi && address[1] != -1L;
    }
    return new Cidr(v6, address[0], address[1], prefix).sameNetwork(this);
  }

  /** The ordinal of the first address of {@code sub} (which this network contains). */
  public long ordinalOf(Cidr sub) {
    return sub.netLo - netLo;
  }

  /** The address at {@code ordinal} of this network, formatted (RFC 5952 for IPv6). */
  public String addressAt(long ordinal) {
    return format(v6, netHi, netLo + ordinal);
  }

  /** The network after this one with the same prefix (for cutting a base into subnets), or null. */
  public Cidr next() {
    int host = bits() - prefix;
    if (v6) {
      if (host >= 64) {
        long step = host == 64 ? 1 : 1L << (host - 64);
        long nh = netHi + step;
        return Long.compareUnsigned(nh, netHi) <= 0 ? null : network(true, nh, 0, prefix);
      }
      long nl = netLo + (1L << host);
      long nh = nl == 0 ? netHi + 1 : netHi;
      return nl == 0 && nh == 0 ? null : network(true, nh, nl, prefix);
    }
    long nl = netLo + (1L << host);
    return nl > 0xffffffffL ? null : network(false, 0, nl, prefix);
  }

  /** This network's first sub-network of the given (longer) prefix, host bits cleared. */
  public Cidr withPrefix(int newPrefix) {
    return network(v6, netHi, netLo, newPrefix);
  }

  /** Equal when family, address as written and prefix length are. */
  @Override
  public boolean equals(Object o) {
    return o instanceof Cidr c && c.v6 == v6 && c.hi == hi && c.lo == lo && c.prefix == prefix;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(hi) * 961 + Long.hashCode(lo) * 31 + prefix + (v6 ? 1 : 0);
  }

  /** "address/len", the address as written. */
  @Override
  public String toString() {
    return format(v6, hi, lo) + "/" + prefix;
  }
}
