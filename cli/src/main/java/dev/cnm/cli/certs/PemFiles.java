package dev.cnm.cli.certs;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Set;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * PEM files as gRPC (Netty) and the JDK read them: certificates as {@code CERTIFICATE}, keys as
 * unencrypted PKCS#8 {@code PRIVATE KEY} (Netty's TLS context accepts no other key format).
 */
final class PemFiles {
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> WORLD_READABLE = PosixFilePermissions.fromString("rw-r--r--");

  private PemFiles() {
  }

  static void writeCertificate(Path file, X509Certificate certificate, boolean overwrite)
      throws IOException, CertificateEncodingException {
    write(file, pem("CERTIFICATE", certificate.getEncoded()), WORLD_READABLE, overwrite);
  }

  /** Keys are born 0600: written to a temp file created with those permissions, then moved. */
  static void writePrivateKey(Path file, PrivateKey key, boolean overwrite) throws IOException {
    write(file, pem("PRIVATE KEY", key.getEncoded()), OWNER_ONLY, overwrite);
  }

  static X509Certificate readCertificate(Path file) throws IOException, GeneralSecurityException {
    byte[] der = read(file, "CERTIFICATE");
    return (X509Certificate) CertificateFactory.getInstance("X.509")
        .generateCertificate(new java.io.ByteArrayInputStream(der));
  }

  static PrivateKey readPrivateKey(Path file) throws IOException, GeneralSecurityException {
    return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(read(file, "PRIVATE KEY")));
  }

  private static byte[] read(Path file, String type) throws IOException {
    try (PemReader reader = new PemReader(new StringReader(Files.readString(file, StandardCharsets.US_ASCII)))) {
      PemObject object = reader.readPemObject();
      if (object == null || !object.getType().equals(type)) {
        throw new IOException(file + ": expected a PEM '" + type + "' block");
      }
      return object.getContent();
    }
  }

  private static String pem(String type, byte[] der) throws IOException {
    StringWriter text = new StringWriter();
    try (PemWriter writer = new PemWriter(text)) {
      writer.writeObject(new PemObject(type, der));
    }
    return text.toString();
  }

  private static void write(Path file, String content, Set<PosixFilePermission> permissions, boolean overwrite)
      throws IOException {
    if (!overwrite && Files.exists(file)) {
      throw new FileAlreadyExistsException(file.toString(), null, "exists; pass --force to replace it");
    }
    Path dir = file.toAbsolutePath().getParent();
    Path temp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp",
        PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    try {
      Files.writeString(temp, content, StandardCharsets.US_ASCII);
      Files.setPosixFilePermissions(temp, permissions);
      Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temp);
    }
  }
}
