package dev.cnm.controller.driver;

import dev.cnm.runtime.errors.CnmException;

/**
 * Parsing of driver option values shared by the drivers' control halves, so that every driver
 * rejects a bad value with the same INVALID_ARGUMENT wording naming {@code network.options[KEY]}.
 */
final class OptionValues {
  /** The smallest MTU a link may have (IPv4's minimum datagram) and the largest. */
  static final int MIN_MTU = 68;
  static final int MAX_MTU = 65535;

  private OptionValues() {}

  /** An integer in {@code min..max}; {@code what} names it in the message ("MTU", "port"). */
  static int integer(String field, String value, int min, int max, String what) {
    int v;
    try {
      v = Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw CnmException.invalidArgument(field, "not a number: " + value);
    }
    if (v < min || v > max) {
      throw CnmException.invalidArgument(field, what + " must be " + min + ".." + max + ", got " + v);
    }
    return v;
  }

  /** IPv6 needs links of at least 1280 bytes (RFC 8200). */
  static final int IPV6_MIN_MTU = 1280;

  /** A link MTU of a network with IPv6 ({@code ipv6}) or IPv4 only. */
  static int mtu(String field, String value, boolean ipv6) {
    int mtu = integer(field, value, MIN_MTU, MAX_MTU, "MTU");
    if (ipv6 && mtu < IPV6_MIN_MTU) {
      throw CnmException.invalidArgument(field, "an IPv6 network needs an MTU of at least "
          + IPV6_MIN_MTU + ", got " + mtu);
    }
    return mtu;
  }

  /** true/1/yes or false/0/no, as Docker's option parsing accepts. */
  static boolean bool(String field, String value) {
    return switch (value.toLowerCase()) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default -> throw CnmException.invalidArgument(field, "not a boolean: " + value);
    };
  }
}
