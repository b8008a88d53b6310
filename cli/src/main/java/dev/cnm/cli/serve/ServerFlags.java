package dev.cnm.cli.serve;

import dev.cnm.runtime.Telemetry;
import dev.cnm.runtime.config.LogFormat;
import dev.cnm.runtime.config.OtelExporter;
import dev.cnm.runtime.config.ServerOptions;
import dev.cnm.runtime.config.TlsFiles;
import dev.cnm.runtime.grpc.ClientOptions;
import dev.cnm.runtime.logging.Logging;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The flags every {@code cnm serve} command shares; each falls back to its environment
 * variable {@code CNM_<FLAG>} (e.g. CNM_LISTEN), so containers configure through env.
 * Use as {@code @Mixin ServerFlags server;}.
 */
public final class ServerFlags {
  @Option(names = "--listen", paramLabel = "ADDR", defaultValue = "${env:CNM_LISTEN}",
      description = "gRPC listen address: HOST:PORT or unix:/path (env CNM_LISTEN; default: the service's own "
          + "Unix socket, mode 0600; cnm up: no listener besides --socket). A TCP listener without mutual TLS "
          + "serves only health, reflection and read-only calls unless --insecure-tcp is given.")
  String listen;

  @Option(names = "--insecure-tcp", defaultValue = "${env:CNM_INSECURE_TCP:-false}", fallbackValue = "true",
      description = "INSECURE: on a TCP listener without mutual TLS (no --tls-ca), trust every caller with every "
          + "call, writes and node agent sessions included: anyone who reaches the port can then have the agents "
          + "change their hosts' networks as root. Only for a network nobody else reaches "
          + "(env CNM_INSECURE_TCP; default off: such a listener serves only health, reflection and read-only calls, the rest get UNAUTHENTICATED). "
          + "No effect on cnm serve agent, which serves no gRPC.")
  boolean insecureTcp;

  @Option(names = "--metrics-listen", paramLabel = "HOST:PORT", defaultValue = "${env:CNM_METRICS_LISTEN}",
      description = "Serve Prometheus /metrics and /healthz over HTTP here; empty = off (env CNM_METRICS_LISTEN).")
  String metricsListen;

  @Option(names = "--tls-cert", paramLabel = "FILE", defaultValue = "${env:CNM_TLS_CERT}",
      description = "PEM certificate chain of this process (env CNM_TLS_CERT).")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "FILE", defaultValue = "${env:CNM_TLS_KEY}",
      description = "PKCS#8 PEM private key of --tls-cert (env CNM_TLS_KEY).")
  Path tlsKey;

  @Option(names = "--tls-ca", paramLabel = "FILE", defaultValue = "${env:CNM_TLS_CA}",
      description = "PEM CA bundle: a server requires client certificates signed by it (mTLS); "
          + "outgoing channels verify servers with it (env CNM_TLS_CA).")
  Path tlsCa;

  @Option(names = "--otel-exporter", paramLabel = "none|logging|otlp", defaultValue = "${env:CNM_OTEL_EXPORTER:-none}",
      description = "Where spans go (env CNM_OTEL_EXPORTER; default ${DEFAULT-VALUE}).")
  String otelExporter;

  @Option(names = "--otel-endpoint", paramLabel = "URL", defaultValue = "${env:CNM_OTEL_ENDPOINT}",
      description = "OTLP/HTTP traces endpoint, e.g. http://collector:4318/v1/traces (env CNM_OTEL_ENDPOINT).")
  String otelEndpoint;

  @Option(names = "--log-format", paramLabel = "text|json", defaultValue = "${env:CNM_LOG_FORMAT:-text}",
      description = "Log line format on stderr (env CNM_LOG_FORMAT; default ${DEFAULT-VALUE}).")
  String logFormat;

  /**
   * The server options, listening on {@code defaultListen} unless --listen / CNM_LISTEN says
   * otherwise, trusting TCP callers without mutual TLS only with --insecure-tcp / CNM_INSECURE_TCP.
   */
  public ServerOptions toOptions(String defaultListen) {
    String address = listen == null || listen.isBlank() ? defaultListen : listen;
    return ServerOptions.builder()
        .listen(address)
        .metricsListen(metricsListen == null ? "" : metricsListen)
        .tls(tls())
        .otelExporter(OtelExporter.parse(otelExporter == null ? "none" : otelExporter))
        .otelEndpoint(otelEndpoint == null ? "" : otelEndpoint)
        .logFormat(logFormat())
        .insecureTcp(insecureTcp)
        .build();
  }

  /** The TLS files (also used for this process's outgoing channels). */
  public TlsFiles tls() {
    return new TlsFiles(tlsCert, tlsKey, tlsCa);
  }

  /** Options for outgoing channels: the same TLS files, the process's telemetry. */
  public ClientOptions clientOptions(Telemetry telemetry) {
    return ClientOptions.of(tls(), telemetry);
  }

  public LogFormat logFormat() {
    return LogFormat.parse(logFormat == null ? "text" : logFormat);
  }

  /** Configures logging from --log-format; call first thing in a serve command. */
  public void configureLogging() {
    Logging.configure(logFormat());
  }
}
