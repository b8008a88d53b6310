package dev.cnm.cli.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CertificateAuthorityTest {
  private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
  private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
  private static final int SAN_DNS = 2;
  private static final int SAN_URI = 6;
  private static final int SAN_IP = 7;

  private final CertificateAuthority ca = newCa();

  private static CertificateAuthority newCa() {
    try {
      return CertificateAuthority.create("test CA", Duration.ofDays(30), Clock.systemUTC());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static CertificateRequest request(CertificateKind kind, String name) {
    return new CertificateRequest(kind, name, List.of(), List.of(), Duration.ofDays(7));
  }

  /** PKIX path validation with the CA as the only trust anchor (no revocation: cnm has no CRLs). */
  private static void verifyChain(X509Certificate leaf, X509Certificate anchor) throws Exception {
    PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
    parameters.setRevocationEnabled(false);
    CertPathValidator.getInstance("PKIX").validate(
        CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf)), parameters);
  }

  private static List<List<?>> sans(X509Certificate certificate) throws Exception {
    return new ArrayList<>(certificate.getSubjectAlternativeNames());
  }

  @Test
  void create_authority_isCaThatMaySignLeavesOnly() {
    X509Certificate cert = ca.certificate();
    assertThat(cert.getBasicConstraints()).isZero(); // CA with pathLen 0
    assertThat(cert.getKeyUsage()[5]).as("keyCertSign").isTrue();
    assertThat(cert.getSubjectX500Principal().getName()).contains("CN=test CA");
    assertThat(cert.getIssuerX500Principal()).isEqualTo(cert.getSubjectX500Principal());
  }

  @Test
  void issue_eachKind_chainVerifiesAgainstCa() throws Exception {
    for (CertificateKind kind : CertificateKind.values()) {
      IssuedCertificate issued = ca.issue(request(kind, "holder-1"));
      verifyChain(issued.certificate(), ca.certificate());
      assertThat(issued.certificate().getPublicKey().getAlgorithm()).isEqualTo("EC");
      assertThat(issued.certificate().getBasicConstraints()).as(kind + " is not a CA").isEqualTo(-1);
    }
  }

  @Test
  void issue_verifiedAgainstAnotherCa_fails() throws Exception {
    IssuedCertificate issued = ca.issue(request(CertificateKind.NODE, "node-a"));
    CertificateAuthority stranger = newCa();
    assertThatThrownBy(() -> verifyChain(issued.certificate(), stranger.certificate()))
        .isInstanceOf(CertPathValidatorException.class);
  }

  @Test
  void issue_service_hasServerAndClientAuthAndDigitalSignatureOnly() throws Exception {
    X509Certificate cert = ca.issue(request(CertificateKind.SERVICE, "controller")).certificate();
    assertThat(cert.getExtendedKeyUsage()).containsExactlyInAnyOrder(SERVER_AUTH, CLIENT_AUTH);
    boolean[] usage = cert.getKeyUsage();
    assertThat(usage[0]).as("digitalSignature").isTrue();
    assertThat(usage[5]).as("keyCertSign").isFalse();
    assertThat(sans(cert)).contains(List.of(SAN_DNS, "controller"), List.of(SAN_URI, "spiffe://cnm/service/controller"));
  }

  @Test
  void issue_nodeAndAdmin_haveClientAuthOnly() throws Exception {
    assertThat(ca.issue(request(CertificateKind.NODE, "n1")).certificate().getExtendedKeyUsage())
        .containsExactly(CLIENT_AUTH);
    assertThat(ca.issue(request(CertificateKind.ADMIN, "alice")).certificate().getExtendedKeyUsage())
        .containsExactly(CLIENT_AUTH);
  }

  @Test
  void issue_node_namesTheNodeInCnAndUriSanWithNodeRole() throws Exception {
    X509Certificate cert = ca.issue(request(CertificateKind.NODE, "worker-7")).certificate();
    String subject = cert.getSubjectX500Principal().getName();
    assertThat(subject).contains("CN=worker-7").contains("O=cnm:node");
    assertThat(sans(cert)).contains(List.of(SAN_URI, "spiffe://cnm/node/worker-7"));
  }

  @Test
  void issue_extraDnsAndIp_appearAsSans() throws Exception {
    X509Certificate cert = ca.issue(new CertificateRequest(CertificateKind.SERVICE, "store",
        List.of("store.cnm.svc", "*.store.cnm.svc"), List.of("127.0.0.1", "::1"), Duration.ofDays(1))).certificate();
    assertThat(sans(cert)).contains(List.of(SAN_DNS, "store.cnm.svc"), List.of(SAN_DNS, "*.store.cnm.svc"),
        List.of(SAN_IP, "127.0.0.1"));
    assertThat(sans(cert)).anySatisfy(san -> {
      assertThat(san.get(0)).isEqualTo(SAN_IP);
      assertThat((String) san.get(1)).startsWith("0:0:0:0:0:0:0:1");
    });
  }

  @Test
  void issue_validityBeyondCa_isCappedAtCaExpiry() throws Exception {
    X509Certificate cert = ca.issue(new CertificateRequest(CertificateKind.ADMIN, "bob", List.of(), List.of(),
        Duration.ofDays(3650))).certificate();
    assertThat(cert.getNotAfter()).isEqualTo(ca.certificate().getNotAfter());
  }

  @Test
  void request_badInput_rejectedNamingTheFlag() {
    assertThatThrownBy(() -> new CertificateRequest(CertificateKind.NODE, "bad/name", List.of(), List.of(),
        Duration.ofDays(1))).hasMessageStartingWith("--name:");
    assertThatThrownBy(() -> new CertificateRequest(CertificateKind.NODE, "n", List.of(), List.of("10.0.0.300"),
        Duration.ofDays(1))).hasMessageStartingWith("--ip:");
    assertThatThrownBy(() -> new CertificateRequest(CertificateKind.NODE, "n", List.of("10.0.0.1"), List.of(),
        Duration.ofDays(1))).hasMessageStartingWith("--dns:");
    assertThatThrownBy(() -> new CertificateRequest(CertificateKind.NODE, "n", List.of(), List.of(),
        Duration.ZERO)).hasMessageStartingWith("--days:");
  }
}
