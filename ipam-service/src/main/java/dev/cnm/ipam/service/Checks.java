package dev.cnm.ipam.service;

import dev.cnm.api.v1.ErrorReason;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import java.util.Map;
import java.util.regex.Pattern;

/** Argument checks shared by the ipam operations; each names the field at fault. */
final class Checks {
  private static final Pattern MAC = Pattern.compile("([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}");

  private Checks() {
  }

  static String owner(String owner) {
    if (owner == null || owner.isBlank()) {
      throw CnmException.invalidArgument("owner", "required (the id of who holds the allocation)");
    }
    return owner;
  }

  static void mac(String mac) {
    if (mac != null && !mac.isEmpty() && !MAC.matcher(mac).matches()) {
      throw CnmException.invalidArgument("mac_address", "\"" + mac + "\" is not a MAC address (want xx:xx:xx:xx:xx:xx)");
    }
  }

  static CnmException failed(ErrorReason reason, String message, Map<String, String> metadata) {
    return new CnmException(ErrorKind.FAILED_PRECONDITION, reason, message, metadata, null);
  }
}
