package dev.cnm.runtime.config;

import java.util.Locale;

/** How log lines are written: human-readable text, or one JSON object per line. */
public enum LogFormat {
  TEXT,
  JSON;

  /** Parses {@code text|json} (case-insensitive). */
  public static LogFormat parse(String value) {
    try {
      return valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--log-format: '" + value + "' is not one of text, json");
    }
  }
}
