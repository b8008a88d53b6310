package dev.cnm.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The CNM_* environment variables reach ServerOptions (a child JVM, since a JVM's env is fixed). */
class ServerFlagsEnvTest {
  private static String run(Map<String, String> env, String... args) throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder();
    List<String> command = new java.util.ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
        PrintServerOptionsMain.class.getName()));
    command.addAll(List.of(args));
    builder.command(command).redirectErrorStream(true);
    builder.environment().keySet().removeIf(key -> key.startsWith("CNM_"));
    builder.environment().putAll(env);
    Process process = builder.start();
    try {
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(process.exitValue()).as(out).isZero();
      return out;
    } finally {
      process.destroyForcibly();
    }
  }

  @Test
  void env_everyCommonVariable_becomesOption() throws Exception {
    String out = run(Map.of(
        "CNM_LISTEN", "0.0.0.0:9000",
        "CNM_METRICS_LISTEN", ":9100",
        "CNM_TLS_CERT", "/etc/cnm/tls.crt",
        "CNM_TLS_KEY", "/etc/cnm/tls.key",
        "CNM_TLS_CA", "/etc/cnm/ca.crt",
        "CNM_OTEL_EXPORTER", "logging",
        "CNM_OTEL_ENDPOINT", "http://collector:4318/v1/traces",
        "CNM_LOG_FORMAT", "json",
        "CNM_INSECURE_TCP", "true"));

    assertThat(out).contains("listen=[0.0.0.0:9000]", "metricsListen=:9100",
        "cert=/etc/cnm/tls.crt", "key=/etc/cnm/tls.key", "ca=/etc/cnm/ca.crt",
        "otelExporter=LOGGING", "otelEndpoint=http://collector:4318/v1/traces", "logFormat=JSON",
        "insecureTcp=true");
  }

  @Test
  void flag_overridesEnv() throws Exception {
    String out = run(Map.of("CNM_LISTEN", "0.0.0.0:9000"), "--listen", "127.0.0.1:9001");

    assertThat(out).contains("listen=[127.0.0.1:9001]");
  }

  @Test
  void noEnvNoFlag_serviceDefault() throws Exception {
    String out = run(Map.of());

    assertThat(out).contains("listen=[127.0.0.1:7370]", "metricsListen=,", "otelExporter=NONE", "logFormat=TEXT",
        "insecureTcp=false");
  }
}
