package dev.cnm.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cnm.runtime.config.LogFormat;
import dev.cnm.runtime.config.OtelExporter;
import dev.cnm.runtime.config.ServerOptions;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

class ServerFlagsTest {
  @Command(name = "serve-test")
  static final class ServeTest {
    @Mixin
    ServerFlags server;
  }

  private static ServerFlags parse(String... args) {
    ServeTest command = new ServeTest();
    new CommandLine(command).parseArgs(args);
    return command.server;
  }

  @Test
  void toOptions_noFlags_usesServiceDefaultsPlaintextNoMetrics() {
    // CNM_* variables are not set in the test JVM, so the defaults show.
    ServerOptions options = parse().toOptions("127.0.0.1:7370");

    assertThat(options.listen()).isEqualTo("127.0.0.1:7370");
    assertThat(options.metricsListen()).isEmpty();
    assertThat(options.tls().enabled()).isFalse();
    assertThat(options.otelExporter()).isEqualTo(OtelExporter.NONE);
    assertThat(options.logFormat()).isEqualTo(LogFormat.TEXT);
    assertThat(options.insecureTcp()).as("TCP callers are trusted only when asked").isFalse();
  }

  @Test
  void toOptions_insecureTcpFlag_trustsTcpCallers() {
    assertThat(parse("--listen", "10.0.0.1:7372", "--insecure-tcp").toOptions("unix:/run/cnm/cnm.sock").insecureTcp())
        .isTrue();
  }

  @Test
  void toOptions_allFlags_carriedIntoOptions() {
    ServerOptions options = parse("--listen", "0.0.0.0:9000", "--metrics-listen", "0.0.0.0:9100",
        "--tls-cert", "/etc/cnm/tls.crt", "--tls-key", "/etc/cnm/tls.key", "--tls-ca", "/etc/cnm/ca.crt",
        "--otel-exporter", "otlp", "--otel-endpoint", "http://collector:4318/v1/traces", "--log-format", "json")
        .toOptions("127.0.0.1:7370");

    assertThat(options.listen()).isEqualTo("0.0.0.0:9000");
    assertThat(options.metricsListen()).isEqualTo("0.0.0.0:9100");
    assertThat(options.tls().cert()).isEqualTo(Path.of("/etc/cnm/tls.crt"));
    assertThat(options.tls().ca()).isEqualTo(Path.of("/etc/cnm/ca.crt"));
    assertThat(options.otelExporter()).isEqualTo(OtelExporter.OTLP);
    assertThat(options.otelEndpoint()).isEqualTo("http://collector:4318/v1/traces");
    assertThat(options.logFormat()).isEqualTo(LogFormat.JSON);
  }

  @Test
  void toOptions_badExporter_namesFlagAndChoices() {
    assertThatThrownBy(() -> parse("--otel-exporter", "zipkin").toOptions("127.0.0.1:1"))
        .hasMessageContaining("--otel-exporter").hasMessageContaining("none, logging, otlp");
  }

  @Test
  void toOptions_certWithoutKey_namesBothFlags() {
    assertThatThrownBy(() -> parse("--tls-cert", "/a.crt").toOptions("127.0.0.1:1"))
        .hasMessageContaining("--tls-cert and --tls-key");
  }
}
