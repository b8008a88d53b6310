package dev.cnm.agent.firewall;

import dev.cnm.runtime.errors.CnmException;
import java.nio.charset.StandardCharsets;

/**
 * Checks an interface name before it is written into an nft script. Besides the kernel's own
 * limits (1..15 bytes, no '/'), characters that could break out of a quoted nft string or
 * split a script line are refused, so a bad name can never change what a script means.
 */
final class InterfaceNames {
  /** IFNAMSIZ (16) minus the terminating NUL. */
  static final int MAX_BYTES = 15;

  private InterfaceNames() {}

  static String check(String field, String name) {
    if (name == null || name.isEmpty()) {
      throw CnmException.invalidArgument(field, "interface name is missing");
    }
    if (name.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      throw CnmException.invalidArgument(field, "interface name '" + name + "' is longer than 15 bytes");
    }
    if (name.equals(".") || name.equals("..")) {
      throw CnmException.invalidArgument(field, "interface name '" + name + "' is reserved");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '/' || c == '"' || c == '\\' || c == ':' || Character.isWhitespace(c) || Character.isISOControl(c)) {
        throw CnmException.invalidArgument(field, "interface name '" + name + "' contains '" + c + "'");
      }
    }
    return name;
  }
}
