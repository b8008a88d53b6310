package dev.cnm.agent.firewall;

import com.google.common.net.InetAddresses;
import dev.cnm.runtime.errors.CnmException;
import java.net.Inet6Address;
import java.net.InetAddress;

/** Parsing and printing of IP literals without ever resolving a name. */
public final class IpLiterals {
  private IpLiterals() {}

  /** Parses an IPv4 or IPv6 literal; anything else (a host name, garbage) is a bad field. */
  public static InetAddress parse(String field, String text) {
    if (text == null || !InetAddresses.isInetAddress(text.trim())) {
      throw CnmException.invalidArgument(field, "'" + text + "' is not an IP address");
    }
    return InetAddresses.forString(text.trim());
  }

  /** The compact text form ({@code ::1}, not {@code 0:0:0:0:0:0:0:1}) that nft and resolvers print. */
  public static String format(InetAddress address) {
    return InetAddresses.toAddrString(address);
  }

  /** {@code ip} or {@code ip6}: the nftables payload keyword of the address's family. */
  static String nftFamily(InetAddress address) {
    return address instanceof Inet6Address ? "ip6" : "ip";
  }

  /** {@code ipv4} or {@code ipv6}: the value of {@code meta nfproto} for the address's family. */
  static String nfproto(InetAddress address) {
    return address instanceof Inet6Address ? "ipv6" : "ipv4";
  }

  static boolean sameFamily(InetAddress a, InetAddress b) {
    return (a instanceof Inet6Address) == (b instanceof Inet6Address);
  }
}
