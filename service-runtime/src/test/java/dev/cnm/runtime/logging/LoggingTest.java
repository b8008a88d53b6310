package dev.cnm.runtime.logging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.runtime.config.LogFormat;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class LoggingTest {
  private final PrintStream originalErr = System.err;
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

  @AfterEach
  void restore() {
    System.setErr(originalErr);
    Logging.configure(LogFormat.TEXT);
  }

  private String logBoth(LogFormat format) {
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    Logging.configure(format);
    LoggerFactory.getLogger("dev.cnm.test.logging").info("from slf4j");
    java.util.logging.Logger.getLogger("io.grpc.test").warning("from jul");
    java.util.logging.Logger.getLogger("io.grpc.test").fine("below info");
    return captured.toString(StandardCharsets.UTF_8);
  }

  @Test
  void configure_json_slf4jAndJulLinesAreJsonOnStderr() {
    String out = logBoth(LogFormat.JSON);

    assertThat(out.lines()).hasSize(2).allSatisfy(line -> assertThat(line).startsWith("{").endsWith("}"));
    assertThat(out).contains("\"msg\":\"from slf4j\"", "\"logger\":\"io.grpc.test\"", "\"level\":\"WARN\"",
        "\"msg\":\"from jul\"").doesNotContain("below info");
  }

  @Test
  void configure_text_linesCarryTraceIdField() {
    String out = logBoth(LogFormat.TEXT);

    assertThat(out.lines()).hasSize(2);
    assertThat(out).contains("INFO  [", "dev.cnm.test.logging trace_id= span_id= - from slf4j", "WARN ");
  }
}
