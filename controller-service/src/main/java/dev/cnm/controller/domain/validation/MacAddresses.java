package dev.cnm.controller.domain.validation;

import dev.cnm.runtime.errors.CnmException;
import java.util.regex.Pattern;

/** The MAC addresses an endpoint's interface may have. */
public final class MacAddresses {
  private static final Pattern MAC = Pattern.compile("([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}");

  private MacAddresses() {}

  /**
   * Throws INVALID_ARGUMENT naming {@code field} unless {@code mac} is six colon-separated hex
   * octets of a unicast address other than 00:00:00:00:00:00: the kernel refuses a multicast
   * or all-zero address on an interface (EADDRNOTAVAIL), so asking for one would only fail at Join.
   */
  public static String require(String field, String mac) {
    if (!MAC.matcher(mac).matches()) {
      throw CnmException.invalidArgument(field, "not a MAC address (six hex octets, e.g. 02:42:ac:11:00:02): "
          + printable(mac));
    }
    if ((Integer.parseInt(mac.substring(0, 2), 16) & 1) != 0) {
      throw CnmException.invalidArgument(field, "a multicast address cannot be an interface's: " + mac);
    }
    if (mac.equals("00:00:00:00:00:00")) {
      throw CnmException.invalidArgument(field, "the all-zero address cannot be an interface's");
    }
    return mac;
  }

  private static String printable(String s) {
    return RequestLimits.hasControl(s) || s.length() > 40 ? "(" + s.length() + " characters)" : s;
  }
}
