package dev.cnm.cli.certs;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.time.Clock;

/**
 * The layout of a certificate directory: {@code ca.crt} / {@code ca.key} for the authority and
 * {@code <kind>-<name>.crt} / {@code .key} for each issued certificate. These are the file names
 * the compose file and the Helm chart's Secret expect.
 */
public final class CertificateDirectory {
  public static final String CA_CERTIFICATE = "ca.crt";
  public static final String CA_KEY = "ca.key";

  private final Path dir;

  public CertificateDirectory(Path dir) {
    this.dir = dir;
  }

  public Path caCertificate() {
    return dir.resolve(CA_CERTIFICATE);
  }

  public Path caKey() {
    return dir.resolve(CA_KEY);
  }

  public Path certificate(CertificateKind kind, String name) {
    return dir.resolve(kind.label() + "-" + name + ".crt");
  }

  public Path key(CertificateKind kind, String name) {
    return dir.resolve(kind.label() + "-" + name + ".key");
  }

  /** Writes a new CA; refuses to replace an existing one unless {@code overwrite}. */
  public void saveAuthority(CertificateAuthority authority, boolean overwrite)
      throws IOException, GeneralSecurityException {
    // The directory holds the CA key: only its owner may list it.
    Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    refuseExisting(overwrite, caKey(), caCertificate());
    PemFiles.writePrivateKey(caKey(), authority.privateKey(), overwrite);
    PemFiles.writeCertificate(caCertificate(), authority.certificate(), overwrite);
  }

  public CertificateAuthority loadAuthority(Clock clock) throws IOException, GeneralSecurityException {
    if (!Files.exists(caCertificate()) || !Files.exists(caKey())) {
      throw new NoSuchFileException(caCertificate().toString(), null,
          "no CA in " + dir + "; run 'cnm certs init --dir " + dir + "' first");
    }
    return new CertificateAuthority(PemFiles.readCertificate(caCertificate()), PemFiles.readPrivateKey(caKey()), clock);
  }

  public void saveIssued(CertificateRequest request, IssuedCertificate issued, boolean overwrite)
      throws IOException, GeneralSecurityException {
    refuseExisting(overwrite, key(request.kind(), request.name()), certificate(request.kind(), request.name()));
    PemFiles.writePrivateKey(key(request.kind(), request.name()), issued.privateKey(), overwrite);
    PemFiles.writeCertificate(certificate(request.kind(), request.name()), issued.certificate(), overwrite);
  }

  /** Checks every file before writing any, so a refusal leaves no half-written pair behind. */
  private static void refuseExisting(boolean overwrite, Path... files) throws FileAlreadyExistsException {
    if (overwrite) {
      return;
    }
    for (Path file : files) {
      if (Files.exists(file)) {
        throw new FileAlreadyExistsException(file.toString(), null, "exists; pass --force to replace it");
      }
    }
  }
}
