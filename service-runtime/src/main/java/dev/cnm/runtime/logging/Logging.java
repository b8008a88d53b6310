package dev.cnm.runtime.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.jul.LevelChangePropagator;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import dev.cnm.runtime.config.LogFormat;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Sets up logging of a cnm process: to stderr (stdout stays for command output), at INFO,
 * as text or JSON lines, with the current trace and span ids on every line. What grpc-java and
 * Netty log through java.util.logging goes the same way.
 */
public final class Logging {
  /** The text layout; also in the logback.xml this module ships as the default. */
  public static final String TEXT_PATTERN =
      "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{36} trace_id=%X{trace_id:-} span_id=%X{span_id:-} - %msg%n";

  private static final String NETTY_BOOTSTRAP = "io.grpc.netty.shaded.io.netty.bootstrap.Bootstrap";

  private Logging() {
  }

  /** Replaces the logging configuration; call once at process start. */
  public static void configure(LogFormat format) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return; // another slf4j backend is bound: leave its configuration alone
    }
    context.reset();
    // JUL checks its own levels before handing a record over: keep them in step with logback's.
    LevelChangePropagator levels = new LevelChangePropagator();
    levels.setContext(context);
    levels.setResetJUL(true);
    levels.start();
    context.addListener(levels);
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();

    TraceIdMdcFilter filter = new TraceIdMdcFilter();
    filter.setContext(context);
    filter.start();
    context.addTurboFilter(filter);

    ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
    appender.setContext(context);
    appender.setName("stderr");
    appender.setTarget("System.err");
    appender.setEncoder(encoder(format, context));
    appender.start();

    ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.INFO);
    root.addAppender(appender);
    // grpc sets SO_KEEPALIVE on every client channel and Netty warns, once per Unix-socket
    // connection, that the option does not apply there: harmless, so not logged.
    context.getLogger(NETTY_BOOTSTRAP).setLevel(Level.ERROR);
  }

  private static Encoder<ILoggingEvent> encoder(LogFormat format, LoggerContext context) {
    if (format == LogFormat.JSON) {
      JsonLineEncoder json = new JsonLineEncoder();
      json.setContext(context);
      json.start();
      return json;
    }
    PatternLayoutEncoder text = new PatternLayoutEncoder();
    text.setContext(context);
    text.setPattern(TEXT_PATTERN);
    text.start();
    return text;
  }
}
