package dev.cnm.runtime.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

/**
 * One JSON object per line: {@code ts}, {@code level}, {@code logger}, {@code thread},
 * {@code msg}, every MDC entry (so {@code trace_id}/{@code span_id}), and {@code error} with
 * the stack trace when there is one. Field names follow what log shippers map by default.
 */
public final class JsonLineEncoder extends EncoderBase<ILoggingEvent> {
  @Override
  public byte[] headerBytes() {
    return new byte[0];
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    StringBuilder out = new StringBuilder(256);
    out.append('{');
    field(out, "ts", Instant.ofEpochMilli(event.getTimeStamp()).toString());
    out.append(',');
    field(out, "level", event.getLevel().toString());
    out.append(',');
    field(out, "logger", event.getLoggerName());
    out.append(',');
    field(out, "thread", event.getThreadName());
    out.append(',');
    field(out, "msg", event.getFormattedMessage());
    for (Map.Entry<String, String> entry : event.getMDCPropertyMap().entrySet()) {
      out.append(',');
      field(out, entry.getKey(), entry.getValue());
    }
    IThrowableProxy error = event.getThrowableProxy();
    if (error != null) {
      out.append(',');
      field(out, "error", ThrowableProxyUtil.asString(error));
    }
    out.append("}\n");
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public byte[] footerBytes() {
    return new byte[0];
  }

  private static void field(StringBuilder out, String name, String value) {
    string(out, name);
    out.append(':');
    string(out, value == null ? "" : value);
  }

  static void string(StringBuilder out, String value) {
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
