package dev.cnm.runtime.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * PEM files for TLS: a certificate chain, its PKCS#8 private key, and a CA bundle.
 *
 * <p>On a server, cert+key enable TLS and a CA additionally requires client certificates signed
 * by it (mTLS). On a client, the CA verifies the server and cert+key are presented to it.
 * Every field may be null; {@link #NONE} is plaintext.
 */
public record TlsFiles(Path cert, Path key, Path ca) {
  public static final TlsFiles NONE = new TlsFiles(null, null, null);

  public TlsFiles {
    if ((cert == null) != (key == null)) {
      throw new IllegalArgumentException("--tls-cert and --tls-key must be given together");
    }
  }

  /** True when any file is configured, i.e. connections use TLS. */
  public boolean enabled() {
    return cert != null || ca != null;
  }

  /** True when this side has its own certificate and key. */
  public boolean hasIdentity() {
    return cert != null;
  }

  public Optional<Path> caFile() {
    return Optional.ofNullable(ca);
  }

  /** Fails with a message naming the flag when a configured file cannot be read. */
  public TlsFiles requireReadable() {
    check("--tls-cert", cert);
    check("--tls-key", key);
    check("--tls-ca", ca);
    return this;
  }

  private static void check(String flag, Path file) {
    if (file != null && !Files.isReadable(file)) {
      throw new IllegalArgumentException(flag + ": cannot read " + file);
    }
  }
}
