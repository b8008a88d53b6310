package dev.cnm.cli.certs;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.IPAddress;

/**
 * cnm's own certificate authority: a self-signed CA that issues service, node and admin
 * certificates. Keys are EC P-256 (what gRPC's TLS stacks all accept) and signatures
 * SHA256withECDSA; everything goes through the JDK's own providers, BouncyCastle only builds
 * the X.509 structures.
 */
public final class CertificateAuthority {
  /** Certificates start a little in the past so that small clock skew between hosts is harmless. */
  private static final Duration BACKDATE = Duration.ofMinutes(5);
  private static final String SIGNATURE = "SHA256withECDSA";

  private final X509Certificate certificate;
  private final PrivateKey privateKey;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  public CertificateAuthority(X509Certificate certificate, PrivateKey privateKey, Clock clock) {
    this.certificate = certificate;
    this.privateKey = privateKey;
    this.clock = clock;
  }

  /** Makes a new self-signed CA named {@code commonName}, allowed to sign leaf certificates only. */
  public static CertificateAuthority create(String commonName, Duration validity, Clock clock)
      throws GeneralSecurityException {
    KeyPair keys = newKeyPair();
    X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
        .addRDN(BCStyle.O, "cnm").addRDN(BCStyle.CN, commonName).build();
    Instant now = clock.instant();
    JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
    X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(new SecureRandom()),
        Date.from(now.minus(BACKDATE)), Date.from(now.plus(validity)), subject, keys.getPublic());
    try {
      // pathLen 0: this CA signs leaves, never another CA.
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      builder.addExtension(Extension.subjectKeyIdentifier, false,
          extensions.createSubjectKeyIdentifier(keys.getPublic()));
    } catch (CertIOException e) {
      throw new GeneralSecurityException("cannot encode CA extensions", e);
    }
    return new CertificateAuthority(sign(builder, keys.getPrivate()), keys.getPrivate(), clock);
  }

  public X509Certificate certificate() {
    return certificate;
  }

  public PrivateKey privateKey() {
    return privateKey;
  }

  /** Issues a leaf certificate with a fresh key pair for {@code request}. */
  public IssuedCertificate issue(CertificateRequest request) throws GeneralSecurityException {
    KeyPair keys = newKeyPair();
    CertificateKind kind = request.kind();
    X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
        .addRDN(BCStyle.O, kind.organisation()).addRDN(BCStyle.CN, request.name()).build();
    Instant now = clock.instant();
    Instant notAfter = now.plus(request.validity());
    if (notAfter.isAfter(certificate.getNotAfter().toInstant())) {
      // A leaf that outlives its CA would stop verifying early and surprise the operator.
      notAfter = certificate.getNotAfter().toInstant();
    }
    JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
    X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, serial(random),
        Date.from(now.minus(BACKDATE)), Date.from(notAfter), subject, keys.getPublic());
    try {
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      builder.addExtension(Extension.extendedKeyUsage, false,
          new ExtendedKeyUsage(kind.extendedKeyUsages().toArray(KeyPurposeId[]::new)));
      builder.addExtension(Extension.subjectAlternativeName, false, subjectAlternativeNames(request));
      builder.addExtension(Extension.subjectKeyIdentifier, false,
          extensions.createSubjectKeyIdentifier(keys.getPublic()));
      builder.addExtension(Extension.authorityKeyIdentifier, false,
          extensions.createAuthorityKeyIdentifier(certificate));
    } catch (CertIOException e) {
      throw new GeneralSecurityException("cannot encode certificate extensions", e);
    }
    return new IssuedCertificate(sign(builder, privateKey), keys.getPrivate());
  }

  /**
   * The identity URI first (what authorisation reads), then the name itself as a DNS name when
   * it is one (a service reached by its name), then the operator's extra DNS names and IPs.
   */
  private static GeneralNames subjectAlternativeNames(CertificateRequest request) {
    List<GeneralName> names = new ArrayList<>();
    names.add(new GeneralName(GeneralName.uniformResourceIdentifier,
        request.kind().identityUri(request.name())));
    if (request.kind() != CertificateKind.ADMIN && !IPAddress.isValid(request.name())) {
      names.add(new GeneralName(GeneralName.dNSName, request.name()));
    }
    for (String dns : request.dnsNames()) {
      if (!dns.equals(request.name())) {
        names.add(new GeneralName(GeneralName.dNSName, dns));
      }
    }
    for (String ip : request.ipAddresses()) {
      names.add(new GeneralName(GeneralName.iPAddress, ip));
    }
    return new GeneralNames(names.toArray(GeneralName[]::new));
  }

  private static KeyPair newKeyPair() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }

  /** 159 random bits: positive, unpredictable, within RFC 5280's 20-octet limit. */
  private static BigInteger serial(SecureRandom random) {
    return new BigInteger(159, random).setBit(0);
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter().getCertificate(
          builder.build(new JcaContentSignerBuilder(SIGNATURE).build(signer)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException("cannot create a " + SIGNATURE + " signer", e);
    }
  }
}
