package dev.cnm.cli.certs;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;

/** A certificate and its private key, as issued by a {@link CertificateAuthority}. */
public record IssuedCertificate(X509Certificate certificate, PrivateKey privateKey) {
}
