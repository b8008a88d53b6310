package dev.cnm.runtime.grpc;

import dev.cnm.runtime.Telemetry;
import dev.cnm.runtime.config.TlsFiles;
import java.util.Objects;

/**
 * How {@link Channels} dials: TLS files (CA to verify the server, cert+key to present for
 * mTLS), the process's telemetry (client metrics and trace propagation), and an optional
 * authority override (the name checked against the server certificate).
 */
public final class ClientOptions {
  private final TlsFiles tls;
  private final Telemetry telemetry;
  private final String authority;

  private ClientOptions(TlsFiles tls, Telemetry telemetry, String authority) {
    this.tls = Objects.requireNonNull(tls, "tls");
    this.telemetry = Objects.requireNonNull(telemetry, "telemetry");
    this.authority = authority;
  }

  /** Plaintext with the given telemetry. */
  public static ClientOptions plaintext(Telemetry telemetry) {
    return new ClientOptions(TlsFiles.NONE, telemetry, null);
  }

  /** TLS when {@code tls} enables it, with the given telemetry. */
  public static ClientOptions of(TlsFiles tls, Telemetry telemetry) {
    return new ClientOptions(tls, telemetry, null);
  }

  /** The same options, checking the server certificate against {@code authority}. */
  public ClientOptions withAuthority(String authority) {
    return new ClientOptions(tls, telemetry, authority);
  }

  public TlsFiles tls() {
    return tls;
  }

  public Telemetry telemetry() {
    return telemetry;
  }

  /** The authority override, or null. */
  public String authority() {
    return authority;
  }
}
