package dev.cnm.runtime.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The settings every cnm server shares (the CLI's common server flags): where to listen,
 * where to serve metrics, TLS files, tracing exporter and log format.
 *
 * <p>Listen addresses are {@code HOST:PORT} (port 0 = any free port), {@code unix:/path} or
 * {@code inprocess:NAME}; several may be given (e.g. a Unix socket and loopback).
 */
public final class ServerOptions {
  private final List<String> listen;
  private final String metricsListen;
  private final TlsFiles tls;
  private final OtelExporter otelExporter;
  private final String otelEndpoint;
  private final LogFormat logFormat;
  private final boolean insecureTcp;

  private ServerOptions(Builder b) {
    this.listen = List.copyOf(b.listen);
    this.metricsListen = b.metricsListen == null ? "" : b.metricsListen.trim();
    this.tls = b.tls;
    this.otelExporter = b.otelExporter;
    this.otelEndpoint = b.otelEndpoint == null ? "" : b.otelEndpoint.trim();
    this.logFormat = b.logFormat;
    this.insecureTcp = b.insecureTcp;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Plaintext, no metrics, no tracing, text logs, listening on the given address. */
  public static ServerOptions listeningOn(String address) {
    return builder().listen(address).build();
  }

  /**
   * As {@link #listeningOn}, and every caller of a TCP listener is trusted ({@link #insecureTcp()}):
   * for tests and benchmarks on loopback, never for a server other users can reach.
   */
  public static ServerOptions insecureListeningOn(String address) {
    return builder().listen(address).insecureTcp(true).build();
  }

  /** The first listen address. */
  public String listen() {
    return listen.get(0);
  }

  /** Every listen address, in order. */
  public List<String> listenAddresses() {
    return listen;
  }

  /** {@code HOST:PORT} of the metrics HTTP server; empty = off. */
  public String metricsListen() {
    return metricsListen;
  }

  public TlsFiles tls() {
    return tls;
  }

  public OtelExporter otelExporter() {
    return otelExporter;
  }

  /** OTLP/HTTP traces endpoint; empty = the exporter's default (http://localhost:4318/v1/traces). */
  public String otelEndpoint() {
    return otelEndpoint;
  }

  public LogFormat logFormat() {
    return logFormat;
  }

  /**
   * Whether a TCP listener without mutual TLS (no client CA) trusts every caller with every
   * service ({@code --insecure-tcp}). When false such a listener serves only gRPC health,
   * reflection and the server's read-only methods; see {@code CnmServer}.
   */
  public boolean insecureTcp() {
    return insecureTcp;
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.listen.addAll(listen);
    b.metricsListen = metricsListen;
    b.tls = tls;
    b.otelExporter = otelExporter;
    b.otelEndpoint = otelEndpoint;
    b.logFormat = logFormat;
    b.insecureTcp = insecureTcp;
    return b;
  }

  @Override
  public String toString() {
    return "ServerOptions{listen=" + listen + ", metricsListen=" + metricsListen + ", tls=" + tls
        + ", otelExporter=" + otelExporter + ", otelEndpoint=" + otelEndpoint + ", logFormat=" + logFormat + ", insecureTcp=" + insecureTcp + "}";
  }

  public static final class Builder {
    private final List<String> listen = new ArrayList<>();
    private String metricsListen = "";
    private TlsFiles tls = TlsFiles.NONE;
    private OtelExporter otelExporter = OtelExporter.NONE;
    private String otelEndpoint = "";
    private LogFormat logFormat = LogFormat.TEXT;
    private boolean insecureTcp;

    private Builder() {
    }

    /** Replaces the listen addresses with this one. */
    public Builder listen(String address) {
      listen.clear();
      return addListen(address);
    }

    /** Adds a further listen address (served by the same services). */
    public Builder addListen(String address) {
      Objects.requireNonNull(address, "listen");
      if (address.isBlank()) {
        throw new IllegalArgumentException("--listen: must not be empty");
      }
      listen.add(address.trim());
      return this;
    }

    public Builder metricsListen(String address) {
      this.metricsListen = address;
      return this;
    }

    public Builder tls(TlsFiles files) {
      this.tls = Objects.requireNonNull(files, "tls");
      return this;
    }

    public Builder otelExporter(OtelExporter exporter) {
      this.otelExporter = Objects.requireNonNull(exporter, "otelExporter");
      return this;
    }

    public Builder otelEndpoint(String endpoint) {
      this.otelEndpoint = endpoint;
      return this;
    }

    public Builder logFormat(LogFormat format) {
      this.logFormat = Objects.requireNonNull(format, "logFormat");
      return this;
    }

    /** See {@link ServerOptions#insecureTcp()}; off unless set. */
    public Builder insecureTcp(boolean trustEveryTcpCaller) {
      this.insecureTcp = trustEveryTcpCaller;
      return this;
    }

    public ServerOptions build() {
      if (listen.isEmpty()) {
        throw new IllegalArgumentException("--listen: at least one address is required");
      }
      return new ServerOptions(this);
    }
  }
}
