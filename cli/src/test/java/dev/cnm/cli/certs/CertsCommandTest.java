package dev.cnm.cli.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CertsCommandTest {
  @TempDir
  Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int cnmCerts(String... args) {
    CommandLine cli = new CommandLine(new CertsCommand());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  @Test
  void initThenIssue_writesPemFilesWithPrivateKeysOwnerOnly() throws Exception {
    Path certs = dir.resolve("certs");
    assertThat(cnmCerts("init", "--dir", certs.toString())).isZero();
    assertThat(cnmCerts("issue", "--dir", certs.toString(), "--kind", "node", "--name", "node-1",
        "--ip", "192.0.2.10")).as(err.toString()).isZero();

    assertThat(out.toString()).contains("node-node-1.crt");
    assertThat(Files.readString(certs.resolve("ca.crt"))).startsWith("-----BEGIN CERTIFICATE-----");
    assertThat(Files.readString(certs.resolve("node-node-1.key"))).startsWith("-----BEGIN PRIVATE KEY-----");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(certs.resolve("ca.key"))))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(certs.resolve("node-node-1.key"))))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(certs))).isEqualTo("rwx------");
    X509Certificate node = PemFiles.readCertificate(certs.resolve("node-node-1.crt"));
    node.verify(PemFiles.readCertificate(certs.resolve("ca.crt")).getPublicKey());
    assertThat(node.getSubjectX500Principal().getName()).contains("CN=node-1");
  }

  @Test
  void init_twice_refusesWithoutForceAndKeepsTheFirstCa() throws Exception {
    assertThat(cnmCerts("init", "--dir", dir.toString())).isZero();
    String first = Files.readString(dir.resolve("ca.crt"));

    assertThat(cnmCerts("init", "--dir", dir.toString())).isEqualTo(1);
    assertThat(err.toString()).contains("ca.key").contains("--force");
    assertThat(Files.readString(dir.resolve("ca.crt"))).isEqualTo(first);

    assertThat(cnmCerts("init", "--dir", dir.toString(), "--force")).isZero();
    assertThat(Files.readString(dir.resolve("ca.crt"))).isNotEqualTo(first);
  }

  @Test
  void certs_withoutSubcommand_showsInitAndIssueAsUsageError() {
    assertThat(cnmCerts()).isEqualTo(2);
    assertThat(err.toString()).contains("init").contains("issue");
  }

  @Test
  void issue_withoutCa_failsTellingToRunInit() {
    assertThat(cnmCerts("issue", "--dir", dir.toString(), "--kind", "admin", "--name", "alice")).isEqualTo(1);
    assertThat(err.toString()).contains("cnm certs init --dir");
  }

  @Test
  void issue_badKindOrIp_isUsageErrorNamingTheFlag() {
    assertThat(cnmCerts("init", "--dir", dir.toString())).isZero();
    assertThat(cnmCerts("issue", "--dir", dir.toString(), "--kind", "root", "--name", "x")).isEqualTo(2);
    assertThat(err.toString()).contains("--kind").contains("service, node, admin");
    assertThat(cnmCerts("issue", "--dir", dir.toString(), "--kind", "service", "--name", "x", "--ip", "nope"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("--ip: 'nope'");
    assertThat(dir.resolve("service-x.crt")).doesNotExist();
  }

  /** The files work for real mutual TLS: a service certificate serves, a node certificate is accepted. */
  @Test
  void issuedFiles_mutualTlsHandshake_succeedsWithOurCaAndFailsWithAStrangersClient() throws Exception {
    Path ours = dir.resolve("ours");
    Path theirs = dir.resolve("theirs");
    assertThat(cnmCerts("init", "--dir", ours.toString())).isZero();
    assertThat(cnmCerts("init", "--dir", theirs.toString())).isZero();
    assertThat(cnmCerts("issue", "--dir", ours.toString(), "--kind", "service", "--name", "controller",
        "--ip", "127.0.0.1")).isZero();
    assertThat(cnmCerts("issue", "--dir", ours.toString(), "--kind", "node", "--name", "n1")).isZero();
    assertThat(cnmCerts("issue", "--dir", theirs.toString(), "--kind", "node", "--name", "n1")).isZero();

    SSLContext server = tls(ours, "service-controller");
    try (SSLServerSocket listener = (SSLServerSocket) server.getServerSocketFactory()
        .createServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      listener.setNeedClientAuth(true);
      CompletableFuture<String> peer = CompletableFuture.supplyAsync(() -> acceptOne(listener));
      assertThat(handshake(tls(ours, "node-n1"), listener.getLocalPort())).isEqualTo('k');
      assertThat(peer.get(10, TimeUnit.SECONDS)).contains("CN=n1");

      CompletableFuture<String> refused = CompletableFuture.supplyAsync(() -> acceptOne(listener));
      // The stranger's client trusts our CA (so the server is fine) but holds a foreign certificate.
      SSLContext stranger = tls(theirs, "node-n1", ours.resolve("ca.crt"));
      assertThatThrownBy(() -> handshake(stranger, listener.getLocalPort())).isInstanceOf(java.io.IOException.class);
      assertThat(refused.get(10, TimeUnit.SECONDS)).startsWith("refused");
    }
  }

  /**
   * The service certificates docs/operations.md tells to issue pass hostname verification (as gRPC
   * clients do it) for the names the components dial, and fail it for other names.
   */
  @Test
  void documentedServiceCertificates_passHostnameVerificationForTheDialledNames() throws Exception {
    assertThat(cnmCerts("init", "--dir", dir.toString())).isZero();
    assertThat(cnmCerts("issue", "--dir", dir.toString(), "--kind", "service", "--name", "cnm",
        "--dns", "*.cnm.svc", "--dns", "store", "--dns", "ipam", "--dns", "controller", "--ip", "127.0.0.1")).isZero();
    assertThat(cnmCerts("issue", "--dir", dir.toString(), "--kind", "admin", "--name", "alice")).isZero();

    SSLContext server = tls(dir, "service-cnm");
    SSLContext client = tls(dir, "admin-alice");
    try (SSLServerSocket listener = (SSLServerSocket) server.getServerSocketFactory()
        .createServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      listener.setNeedClientAuth(true);
      for (String name : java.util.List.of("cnm-controller.cnm.svc", "store", "controller", "127.0.0.1")) {
        CompletableFuture<String> peer = CompletableFuture.supplyAsync(() -> acceptOne(listener));
        assertThat(handshakeAs(client, name, listener.getLocalPort())).as(name).isEqualTo('k');
        assertThat(peer.get(10, TimeUnit.SECONDS)).contains("CN=alice");
      }
      CompletableFuture<String> refused = CompletableFuture.supplyAsync(() -> acceptOne(listener));
      assertThatThrownBy(() -> handshakeAs(client, "cnm-controller.other.svc", listener.getLocalPort()))
          .isInstanceOf(SSLException.class);
      assertThat(refused.get(10, TimeUnit.SECONDS)).doesNotContain("CN=alice");
    }
  }

  /** Connects over loopback but verifies the server as {@code host}, like a client that dialled that name. */
  private static int handshakeAs(SSLContext client, String host, int port) throws Exception {
    java.net.Socket plain = new java.net.Socket(InetAddress.getLoopbackAddress(), port);
    try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket(plain, host, port, true)) {
      javax.net.ssl.SSLParameters parameters = socket.getSSLParameters();
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
      socket.setSSLParameters(parameters);
      socket.setSoTimeout(10_000);
      socket.startHandshake();
      int read = socket.getInputStream().read();
      if (read < 0) {
        throw new java.io.EOFException("server closed the connection");
      }
      return read;
    }
  }

  private static String acceptOne(SSLServerSocket listener) {
    try (SSLSocket socket = (SSLSocket) listener.accept()) {
      socket.setSoTimeout(10_000);
      socket.startHandshake();
      Certificate[] chain = socket.getSession().getPeerCertificates();
      OutputStream output = socket.getOutputStream();
      output.write('k');
      output.flush();
      return ((X509Certificate) chain[0]).getSubjectX500Principal().getName();
    } catch (SSLException e) {
      return "refused: " + e.getMessage();
    } catch (Exception e) {
      return "error: " + e;
    }
  }

  private static int handshake(SSLContext client, int port) throws Exception {
    try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(10_000);
      socket.startHandshake();
      InputStream input = socket.getInputStream();
      int read = input.read();
      if (read < 0) {
        throw new java.io.EOFException("server closed the connection");
      }
      return read;
    }
  }

  private static SSLContext tls(Path certs, String holder) throws Exception {
    return tls(certs, holder, certs.resolve("ca.crt"));
  }

  private static SSLContext tls(Path certs, String holder, Path trusted) throws Exception {
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry(holder, PemFiles.readPrivateKey(certs.resolve(holder + ".key")), new char[0],
        new Certificate[] {PemFiles.readCertificate(certs.resolve(holder + ".crt"))});
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", PemFiles.readCertificate(trusted));
    KeyManagerFactory km = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    km.init(keys, new char[0]);
    TrustManagerFactory tm = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tm.init(trust);
    SSLContext context = SSLContext.getInstance("TLSv1.3");
    context.init(km.getKeyManagers(), tm.getTrustManagers(), null);
    return context;
  }
}
