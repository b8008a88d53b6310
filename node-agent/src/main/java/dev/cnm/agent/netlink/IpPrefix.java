package dev.cnm.agent.netlink;

import dev.cnm.runtime.errors.CnmException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An address with a prefix length, e.g. 10.1.0.2/24 or fd00::2/64 (the host bits are kept:
 * this is an interface address as much as a subnet).
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

  /** Parses an IP literal; rejects host names so no lookup can happen. */
  public static InetAddress parseAddress(String field, String text) {
    boolean literal = text != null && !text.isEmpty()
        && (text.contains(":") ? text.matches("[0-9a-fA-F:.]+") : text.matches("\\d{1,3}(\\.\\d{1,3}){3}"));
    if (!literal) {
      throw CnmException.invalidArgument(field, "'" + text + "' is not an IP address");
    }
    try {
      return InetAddress.getByName(text);
    } catch (UnknownHostException e) {
      throw CnmException.invalidArgument(field, "'" + text + "' is not an IP address");
    }
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

  @Override
  public String toString() {
    return address.getHostAddress() + "/" + length;
  }
}
