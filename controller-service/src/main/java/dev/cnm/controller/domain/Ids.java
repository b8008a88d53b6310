package dev.cnm.controller.domain;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Object ids as libnetwork makes them: 64 random lower-case hex characters (short form: 12). */
public final class Ids {
  /** The shortest id prefix a lookup accepts (Docker's short id). */
  public static final int MIN_PREFIX = 12;
  private static final SecureRandom RANDOM = new SecureRandom();

  private Ids() {}

  public static String newId() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /** True if {@code s} could be an id or an id prefix usable for lookup. */
  public static boolean isIdPrefix(String s) {
    if (s.length() < MIN_PREFIX || s.length() > 64) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  public static String shortId(String id) {
    return id.length() <= MIN_PREFIX ? id : id.substring(0, MIN_PREFIX);
  }
}
