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

  /** A link MTU. */
  static int mtu(String field, String value) {
    return integer(field, value, MIN_MTU, MAX_MTU, "MTU");
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
