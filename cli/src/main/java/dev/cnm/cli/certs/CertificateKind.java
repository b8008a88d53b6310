package dev.cnm.cli.certs;

import java.util.List;
import java.util.Locale;
import org.bouncycastle.asn1.x509.KeyPurposeId;

/**
 * What a certificate is for. The kind decides the extended key usages and the identity the
 * certificate carries (subject O and a URI SAN), so that a server can tell a node agent from a
 * service or an operator without a lookup table.
 */
public enum CertificateKind {
  /** store, ipam, controller: they accept connections and dial each other, so both usages. */
  SERVICE(List.of(KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth)),
  /** a node agent: it only dials the controller; CN and SAN name the node it may act for. */
  NODE(List.of(KeyPurposeId.id_kp_clientAuth)),
  /** an operator's cnm CLI. */
  ADMIN(List.of(KeyPurposeId.id_kp_clientAuth));

  private final List<KeyPurposeId> extendedKeyUsages;

  CertificateKind(List<KeyPurposeId> extendedKeyUsages) {
    this.extendedKeyUsages = extendedKeyUsages;
  }

  public List<KeyPurposeId> extendedKeyUsages() {
    return extendedKeyUsages;
  }

  /** Lower-case name used on the command line and in file names, e.g. {@code node}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The subject organisation, e.g. {@code cnm:node}: the role a peer proves by its certificate. */
  public String organisation() {
    return "cnm:" + label();
  }

  /**
   * The URI SAN naming the holder, e.g. {@code spiffe://cnm/node/worker-1}. A server reads the
   * node name from here (or from the CN, which carries the same name).
   */
  public String identityUri(String name) {
    return "spiffe://cnm/" + label() + "/" + name;
  }
}
