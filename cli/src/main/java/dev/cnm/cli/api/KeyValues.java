package dev.cnm.cli.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** KEY=VALUE arguments (-o, --label) as a map; a missing '=' is a usage error naming the flag. */
final class KeyValues {
  private KeyValues() {}

  static Map<String, String> parse(String flag, List<String> items) {
    Map<String, String> out = new LinkedHashMap<>();
    if (items == null) {
      return out;
    }
    for (String kv : items) {
      int eq = kv.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException(flag + ": expected KEY=VALUE, got " + kv);
      }
      out.put(kv.substring(0, eq), kv.substring(eq + 1));
    }
    return out;
  }
}
