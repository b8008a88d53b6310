package dev.cnm.controller.domain.validation;

import dev.cnm.runtime.errors.CnmException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The size limits of the free-form parts of a request (labels, driver and IPAM options, aux
 * addresses, aliases, DNS lists), named once here and quoted in the proto comments of those
 * fields. They bound what one object costs in the store and in a List response (Kubernetes
 * bounds its labels and annotations for the same reasons), so a client cannot make a single
 * object that breaks a List for everyone.
 */
public final class RequestLimits {
  /** The most entries a map (labels, options, aux addresses) may have. */
  public static final int MAX_MAP_ENTRIES = 64;
  /** The longest map key, in UTF-8 bytes (Kubernetes' longest label prefix). */
  public static final int MAX_KEY_BYTES = 253;
  /** The longest map value, in UTF-8 bytes. */
  public static final int MAX_VALUE_BYTES = 4096;
  /** The most bytes one map may hold, keys and values together. */
  public static final int MAX_MAP_BYTES = 16 * 1024;
  /** The most entries a repeated free-text field (aliases, DNS servers, search domains, options, extra hosts) may have. */
  public static final int MAX_LIST_ENTRIES = 64;

  private RequestLimits() {}

  /**
   * Throws INVALID_ARGUMENT naming {@code field} (or {@code field[KEY]}) unless {@code map} has
   * at most {@link #MAX_MAP_ENTRIES} entries, each key 1..{@link #MAX_KEY_BYTES} bytes without
   * control characters, each value at most {@link #MAX_VALUE_BYTES} bytes, and
   * {@link #MAX_MAP_BYTES} in all.
   */
  public static void checkMap(String field, Map<String, String> map) {
    if (map.size() > MAX_MAP_ENTRIES) {
      throw CnmException.invalidArgument(field, "at most " + MAX_MAP_ENTRIES + " entries, got " + map.size());
    }
    long total = 0;
    for (Map.Entry<String, String> e : map.entrySet()) {
      String key = e.getKey();
      int keyBytes = utf8Length(key);
      if (keyBytes == 0) {
        throw CnmException.invalidArgument(field, "a key must not be empty");
      }
      if (keyBytes > MAX_KEY_BYTES) {
        throw CnmException.invalidArgument(field, "a key is at most " + MAX_KEY_BYTES + " bytes, got "
            + keyBytes + " (" + key.substring(0, 32) + "...)");
      }
      if (hasControl(key)) {
        throw CnmException.invalidArgument(field, "a key must not contain control characters");
      }
      int valueBytes = utf8Length(e.getValue());
      if (valueBytes > MAX_VALUE_BYTES) {
        throw CnmException.invalidArgument(field + "[" + key + "]", "at most " + MAX_VALUE_BYTES
            + " bytes, got " + valueBytes);
      }
      total += keyBytes + valueBytes;
    }
    if (total > MAX_MAP_BYTES) {
      throw CnmException.invalidArgument(field, "keys and values are at most " + MAX_MAP_BYTES
          + " bytes together, got " + total);
    }
  }

  /** Throws INVALID_ARGUMENT naming {@code field} if a repeated field has more than {@link #MAX_LIST_ENTRIES}. */
  public static void checkList(String field, int size) {
    if (size > MAX_LIST_ENTRIES) {
      throw CnmException.invalidArgument(field, "at most " + MAX_LIST_ENTRIES + " entries, got " + size);
    }
  }

  public static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  public static boolean hasControl(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isISOControl(s.charAt(i))) {
        return true;
      }
    }
    return false;
  }
}
