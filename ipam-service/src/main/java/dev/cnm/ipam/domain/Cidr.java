package dev.cnm.ipam.domain;

import com.google.common.net.InetAddresses;
import dev.cnm.runtime.errors.CnmException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Objects;

/**
 * An IPv4 or IPv6 network in CIDR notation, held as two 64-bit halves (IPv4 in the low half).
 * Addresses inside a network are numbered by ordinal (address minus network address); an IPv6
 * network larger than /64 is numbered over its first 2^64 addresses only, as libnetwork does.
 */
public final class Cidr {
  private final boolean v6;
  private final long hi;
  private final long lo;
  private final int prefix;

  private Cidr(boolean v6, long hi, long lo, int prefix) {
    this.v6 = v6;
    // clear the host bits: "10.1.2.3/16" means 10.1.0.0/16, as Docker reads --subnet
    int host = (v6 ? 128 : 32) - prefix;
    if (host >= 64) {
      lo = 0;
      hi = host == 128 ? 0 : hi & (-1L << (host - 64));
    } else if (host > 0) {
      lo &= -1L << host;
    }
    this.hi = hi;
    this.lo = lo;
    this.prefix = prefix;
  }

  /** Parses "ADDRESS/PREFIX"; a malformed text is INVALID_ARGUMENT naming {@code field}. */
  public static Cidr parse(String text, String field) {
    int slash = text.indexOf('/');
    if (slash < 0) {
      throw CnmException.invalidArgument(field, "\"" + text + "\" is not a CIDR (want ADDRESS/PREFIX)");
    }
    long[] a = parseAddress(text.substring(0, slash), field);
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
    return new Cidr(v6, a[0], a[1], prefix);
  }

  /** Parses a bare address into {hi, lo, isV6}; INVALID_ARGUMENT naming {@code field}. */
  public static long[] parseAddress(String text, String field) {
    if (text.isEmpty() || !InetAddresses.isInetAddress(text)) {
      throw CnmException.invalidArgument(field, "\"" + text + "\" is not an IP address");
    }
    InetAddress address = InetAddresses.forString(text);
    byte[] b = address.getAddress();
    if (address instanceof Inet4Address) {
      long v = ((b[0] & 0xffL) << 24) | ((b[1] & 0xffL) << 16) | ((b[2] & 0xffL) << 8) | (b[3] & 0xffL);
      return new long[] {0, v, 0};
    }
    long h = 0;
    long l = 0;
    for (int i = 0; i < 8; i++) {
      h = (h << 8) | (b[i] & 0xffL);
      l = (l << 8) | (b[i + 8] & 0xffL);
    }
    return new long[] {h, l, 1};
  }

  public boolean v6() {
    return v6;
  }

  public int prefix() {
    return prefix;
  }

  public int bits() {
    return v6 ? 128 : 32;
  }

  /**
   * The last ordinal, unsigned. An IPv6 /64 or larger is numbered 0 .. 2^64 - 2 (libnetwork's
   * bitmap limit), which keeps -1 free to mean "no ordinal".
   */
  public long lastOrdinal() {
    int host = bits() - prefix;
    return host >= 64 ? -2L : (1L << host) - 1;
  }

  /** True if {@code other} lies inside this network (same family, longer or equal prefix). */
  public boolean contains(Cidr other) {
    return other.v6 == v6 && other.prefix >= prefix && new Cidr(v6, other.hi, other.lo, prefix).equals(this);
  }

  public boolean overlaps(Cidr other) {
    return contains(other) || other.contains(this);
  }

  /**
   * The ordinal of an address this network contains (check {@link #containsAddress} first).
   */
  public long ordinalOf(long[] address) {
    return address[1] - lo;
  }

  /** True if the parsed address lies in this network's numbered range. */
  public boolean containsAddress(long[] address) {
    if ((address[2] == 1) != v6) {
      return false;
    }
    if (v6 && prefix <= 64) {
      return address[0] == hi && address[1] != -1L;
    }
    return contains(new Cidr(v6, address[0], address[1], bits()));
  }

  /** The ordinal of the first address of {@code sub} (which this network contains). */
  public long ordinalOf(Cidr sub) {
    return sub.lo - lo;
  }

  /** The address at {@code ordinal}, formatted (RFC 5952 for IPv6). */
  public String addressAt(long ordinal) {
    return format(hi, lo + ordinal);
  }

  private String format(long h, long l) {
    if (!v6) {
      return ((l >>> 24) & 0xff) + "." + ((l >>> 16) & 0xff) + "." + ((l >>> 8) & 0xff) + "." + (l & 0xff);
    }
    byte[] b = new byte[16];
    for (int i = 0; i < 8; i++) {
      b[i] = (byte) (h >>> (56 - 8 * i));
      b[i + 8] = (byte) (l >>> (56 - 8 * i));
    }
    try {
      return InetAddresses.toAddrString(InetAddress.getByAddress(b));
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The network after this one with the same prefix (for cutting a base into subnets), or null. */
  public Cidr next() {
    int host = bits() - prefix;
    if (v6) {
      if (host >= 64) {
        long step = host == 64 ? 1 : 1L << (host - 64);
        long nh = hi + step;
        return Long.compareUnsigned(nh, hi) <= 0 ? null : new Cidr(true, nh, 0, prefix);
      }
      long nl = lo + (1L << host);
      long nh = nl == 0 ? hi + 1 : hi;
      return nl == 0 && nh == 0 ? null : new Cidr(true, nh, nl, prefix);
    }
    long nl = lo + (1L << host);
    return nl > 0xffffffffL ? null : new Cidr(false, 0, nl, prefix);
  }

  /** This network's first sub-network of the given (longer) prefix. */
  public Cidr withPrefix(int newPrefix) {
    return new Cidr(v6, hi, lo, newPrefix);
  }

  @Override
  public String toString() {
    return format(hi, lo) + "/" + prefix;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cidr c && c.v6 == v6 && c.hi == hi && c.lo == lo && c.prefix == prefix;
  }

  @Override
  public int hashCode() {
    return Objects.hash(v6, hi, lo, prefix);
  }
}
