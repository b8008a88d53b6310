package dev.cnm.agent.netlink;

import dev.cnm.runtime.errors.CnmException;
import java.nio.charset.StandardCharsets;

/**
 * The kernel's rules for a network interface name (dev_valid_name): 1 to 15 bytes (IFNAMSIZ
 * 16 with the NUL), not "." or "..", no '/', ':' or whitespace. Checked before any request is
 * sent, so a bad name never reaches the kernel half-way through an operation.
 */
public final class InterfaceName {
  public static final int MAX_BYTES = 15;

  private InterfaceName() {}

  /** Returns the name, or throws INVALID_ARGUMENT naming {@code field}. */
  public static String check(String field, String name) {
    if (name == null || name.isEmpty()) {
      throw CnmException.invalidArgument(field, "interface name is empty");
    }
    int bytes = name.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_BYTES) {
      throw CnmException.invalidArgument(field, "interface name '" + name + "' is " + bytes
          + " bytes; the kernel allows at most " + MAX_BYTES);
    }
    if (name.equals(".") || name.equals("..")) {
      throw CnmException.invalidArgument(field, "interface name '" + name + "' is reserved");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '/' || c == ':' || Character.isWhitespace(c) || c == 0) {
        throw CnmException.invalidArgument(field, "interface name '" + name + "' contains '"
            + (c == 0 ? "\\0" : String.valueOf(c)) + "', which the kernel rejects");
      }
    }
    return name;
  }
}
