package dev.cnm.runtime.ids;

import dev.cnm.runtime.errors.CnmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Object ids as libnetwork makes them: 64 random lower-case hex characters (short form: 12).
 * The controller makes and looks them up ({@link #newId}, {@link #isIdPrefix}); the node agent
 * takes any id of a wider, documented syntax ({@link #check}), so tests and tools may use shorter
 * readable ones.
 */
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

  /**
   * The id itself if it matches {@code [A-Za-z0-9][A-Za-z0-9_.-]{0,127}} (every id {@link #newId}
   * makes does), or INVALID_ARGUMENT naming {@code field}.
   */
  public static String check(String field, String id) {
    if (id == null || !valid(id)) {
      throw CnmException.invalidArgument(field, "bad id '" + id + "': use 1-128 characters of [A-Za-z0-9_.-]");
    }
    return id;
  }

  /** The same test as the documented pattern without a regex: every snapshot checks every object's id. */
  private static boolean valid(String id) {
    int n = id.length();
    if (n == 0 || n > 128) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = id.charAt(i);
      boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-'))) {
        return false;
      }
    }
    return true;
  }
}
