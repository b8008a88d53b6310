package dev.cnm.runtime.config;

import java.util.Locale;

/** Where finished spans go: nowhere (default), the log, or an OTLP/HTTP collector. */
public enum OtelExporter {
  NONE,
  LOGGING,
  OTLP;

  /** Parses {@code none|logging|otlp} (case-insensitive). */
  public static OtelExporter parse(String value) {
    try {
      return valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--otel-exporter: '" + value + "' is not one of none, logging, otlp");
    }
  }
}
