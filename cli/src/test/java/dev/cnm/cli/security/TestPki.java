package dev.cnm.cli.security;

import dev.cnm.cli.certs.CertificateAuthority;
import dev.cnm.cli.certs.CertificateDirectory;
import dev.cnm.cli.certs.CertificateKind;
import dev.cnm.cli.certs.CertificateRequest;
import dev.cnm.runtime.config.TlsFiles;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/** A CA made with cnm's own CertificateAuthority in a directory, issuing certificates as {@code cnm certs} does. */
final class TestPki {
  private final CertificateDirectory dir;
  private final CertificateAuthority ca;

  TestPki(Path root, String caName) throws Exception {
    this.dir = new CertificateDirectory(root);
    this.ca = CertificateAuthority.create(caName, Duration.ofDays(1), Clock.systemUTC());
    dir.saveAuthority(ca, false);
  }

  Path caFile() {
    return dir.caCertificate();
  }

  /** Issues a certificate of {@code kind} for {@code name} (valid for 127.0.0.1) and returns its TLS files. */
  TlsFiles issue(CertificateKind kind, String name, Path trustedCa) throws Exception {
    CertificateRequest request = new CertificateRequest(kind, name, List.of(),
        kind == CertificateKind.SERVICE ? List.of("127.0.0.1") : List.of(), Duration.ofDays(1));
    dir.saveIssued(request, ca.issue(request), true);
    return new TlsFiles(dir.certificate(kind, name), dir.key(kind, name), trustedCa);
  }
}
