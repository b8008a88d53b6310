package dev.cnm.runtime.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import dev.cnm.runtime.tracing.TracingSdk;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Logs through the real slf4j → logback path (with the shipped logback.xml's trace-id filter). */
class JsonLineEncoderTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private Logger logger;
  private OutputStreamAppender<ILoggingEvent> appender;

  @BeforeEach
  void setUp() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    JsonLineEncoder encoder = new JsonLineEncoder();
    encoder.setContext(context);
    encoder.start();
    appender = new OutputStreamAppender<>();
    appender.setContext(context);
    appender.setEncoder(encoder);
    appender.setOutputStream(out);
    appender.start();
    logger = context.getLogger("dev.cnm.test.json");
    logger.setAdditive(false);
    logger.addAppender(appender);
  }

  @AfterEach
  void tearDown() {
    logger.detachAppender(appender);
    appender.stop();
  }

  private String logged() {
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void log_insideSpan_oneJsonLineWithTraceAndSpanIds() {
    try (OpenTelemetrySdk sdk = TracingSdk.withExporter("log-test", InMemorySpanExporter.create())) {
      Span span = sdk.getTracer("test").spanBuilder("op").startSpan();
      try (Scope ignored = span.makeCurrent()) {
        logger.info("attached \"{}\"\nok", "eth0");
      } finally {
        span.end();
      }

      String line = logged();
      assertThat(line).endsWith("}\n").hasLineCount(1);
      assertThat(line).contains("\"level\":\"INFO\"", "\"logger\":\"dev.cnm.test.json\"",
          "\"msg\":\"attached \\\"eth0\\\"\\nok\"",
          "\"trace_id\":\"" + span.getSpanContext().getTraceId() + "\"",
          "\"span_id\":\"" + span.getSpanContext().getSpanId() + "\"");
    }
  }

  @Test
  void log_afterSpanEnded_noTraceId() {
    try (OpenTelemetrySdk sdk = TracingSdk.withExporter("log-test", InMemorySpanExporter.create())) {
      Span span = sdk.getTracer("test").spanBuilder("op").startSpan();
      try (Scope ignored = span.makeCurrent()) {
        logger.info("inside");
      } finally {
        span.end();
      }
      out.reset();

      logger.info("plain");

      assertThat(logged()).contains("\"msg\":\"plain\"").doesNotContain("trace_id");
    }
  }

  @Test
  void log_withException_errorFieldHoldsStackTrace() {
    logger.warn("failed", new IllegalStateException("boom"));

    assertThat(logged()).contains("\"error\":\"java.lang.IllegalStateException: boom\\n").hasLineCount(1);
  }
}
