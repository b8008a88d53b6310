package dev.cnm.agent.firewall;

import dev.cnm.runtime.errors.CnmException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 or IPv6 network in CIDR form, normalised to its network address (host bits cleared),
 * so that {@code 10.0.0.7/24} and {@code 10.0.0.0/24} render the same nftables rule.
 */
public record IpPrefix(InetAddress network, int length) {

  public IpPrefix {
    if (network == null) {
      throw CnmException.invalidArgument("subnet", "address is missing");
    }
    int max = network.getAddress().length * 8;
    if (length < 0 || length > max) {
      throw CnmException.invalidArgument("subnet", "prefix length " + length + " out of range 0.." + max);
    }
    network = mask(network, length);
  }

  /** Parses {@code a.b.c.d/n} or {@code x:y::/n}; literal addresses only, never a DNS lookup. */
  public static IpPrefix parse(String cidr) {
    if (cidr == null) {
      throw CnmException.invalidArgument("subnet", "is missing");
    }
    int slash = cidr.indexOf('/');
    if (slash < 0) {
      throw CnmException.invalidArgument("subnet", "'" + cidr + "' is not in CIDR form (address/length)");
    }
    InetAddress address = IpLiterals.parse("subnet", cidr.substring(0, slash));
    int length;
    try {
      length = Integer.parseInt(cidr.substring(slash + 1));
    } catch (NumberFormatException e) {
      throw CnmException.invalidArgument("subnet", "'" + cidr + "' has a malformed prefix length");
    }
    return new IpPrefix(address, length);
  }

  public boolean isIpv4() {
    return network instanceof Inet4Address;
  }

  @Override
  public String toString() {
    return IpLiterals.format(network) + "/" + length;
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
}
