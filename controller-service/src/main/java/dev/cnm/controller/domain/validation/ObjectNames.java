package dev.cnm.controller.domain.validation;

import dev.cnm.runtime.errors.CnmException;
import java.nio.charset.StandardCharsets;

/** The naming rules every named object obeys (they also become store key segments). */
public final class ObjectNames {
  /** The longest name, in UTF-8 bytes. */
  public static final int MAX_BYTES = 64;

  private ObjectNames() {}

  /** Throws INVALID_ARGUMENT naming {@code field} unless {@code name} is 1..64 bytes without '/'. */
  public static String require(String field, String name) {
    if (name == null || name.isEmpty()) {
      throw CnmException.invalidArgument(field, "must not be empty");
    }
    if (name.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      throw CnmException.invalidArgument(field, "must be at most " + MAX_BYTES + " bytes, got "
          + name.getBytes(StandardCharsets.UTF_8).length);
    }
    if (name.indexOf('/') >= 0) {
      throw CnmException.invalidArgument(field, "must not contain '/': " + name);
    }
    for (int i = 0; i < name.length(); i++) {
      if (Character.isISOControl(name.charAt(i))) {
        throw CnmException.invalidArgument(field, "must not contain control characters");
      }
    }
    return name;
  }
}
