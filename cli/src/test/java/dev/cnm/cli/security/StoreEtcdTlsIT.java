package dev.cnm.cli.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.StringValue;
import dev.cnm.cli.certs.CertificateKind;
import dev.cnm.cli.serve.ServeStoreCommand;
import dev.cnm.runtime.Telemetry;
import dev.cnm.runtime.config.ServerOptions;
import dev.cnm.runtime.config.TlsFiles;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.runtime.grpc.Channels;
import dev.cnm.runtime.grpc.ClientOptions;
import dev.cnm.store.StoreServer;
import dev.cnm.store.client.StoreClient;
import dev.cnm.store.client.StoreConflictException;
import dev.cnm.testing.EtcdProcess;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code cnm serve store --backend etcd} reaching a real etcd that serves TLS only and requires
 * client certificates ({@code --client-cert-auth}), every certificate made by cnm's own CA: the
 * flags --etcd-ca/--etcd-cert/--etcd-key carry a guarded write through; a wrong CA on either side
 * is refused.
 */
class StoreEtcdTlsIT {
  @TempDir static Path dir;
  static TestPki pki;
  static TlsFiles storeToEtcd;
  static EtcdProcess etcd;

  @BeforeAll
  static void startEtcd() throws Exception {
    pki = new TestPki(dir.resolve("pki"), "cnmt-ca");
    // etcd's own certificate: a service certificate valid for 127.0.0.1 (serverAuth)
    TlsFiles etcdServer = pki.issue(CertificateKind.SERVICE, "etcd", pki.caFile());
    etcd = EtcdProcess.startTls(new EtcdProcess.ServerTls(etcdServer.cert(), etcdServer.key(), pki.caFile()));
    storeToEtcd = pki.issue(CertificateKind.SERVICE, "cnm", pki.caFile());
  }

  @AfterAll
  static void stopEtcd() {
    if (etcd != null) {
      etcd.close();
    }
  }

  /** The etcd client files as {@code cnm serve store} reads them from its flags. */
  private static TlsFiles etcdFlags(TlsFiles files) {
    ServeStoreCommand command = new ServeStoreCommand();
    new CommandLine(command).parseArgs("--backend", "etcd", "--etcd-endpoints", etcd.endpoint(),
        "--etcd-ca", files.ca().toString(), "--etcd-cert", files.cert().toString(),
        "--etcd-key", files.key().toString());
    return command.etcdTls();
  }

  /** Runs {@code body} against a store over the TLS etcd, reached with {@code etcdTls}. */
  private static void withStore(TlsFiles etcdTls, java.util.function.Consumer<StoreClient> body) throws Exception {
    try (StoreServer store = StoreServer.start(StoreServer.Backend.ETCD, dir.resolve("unused"),
        List.of(etcd.endpoint()), etcdTls, ServerOptions.insecureListeningOn("127.0.0.1:0"), Telemetry.noop())) {
      ManagedChannel channel = Channels.forTarget("127.0.0.1:" + store.port(), ClientOptions.plaintext(Telemetry.noop()));
      try {
        body.accept(new StoreClient(channel, Duration.ofSeconds(5)));
      } finally {
        channel.shutdownNow();
      }
    }
  }

  @Test
  void guardedWrite_etcdClientCertificateFromTheCa_commitsOverTls() throws Exception {
    withStore(etcdFlags(storeToEtcd), client -> {
      client.create("/cnmt/tls/a", StringValue.of("first"));
      // the guard (key absent) is evaluated by etcd: the second create loses
      assertThatThrownBy(() -> client.create("/cnmt/tls/a", StringValue.of("second")))
          .isInstanceOf(StoreConflictException.class);
      assertThat(client.get("/cnmt/tls/a", StringValue.parser())).get()
          .satisfies(o -> assertThat(o.value().getValue()).isEqualTo("first"));
    });
  }

  @Test
  void write_storeTrustsAnotherCa_refused() throws Exception {
    TestPki other = new TestPki(dir.resolve("other-ca"), "cnmt-other-ca");
    // a valid client certificate of etcd's CA, but etcd's server certificate is checked against the wrong CA
    TlsFiles wrongTrust = new TlsFiles(storeToEtcd.cert(), storeToEtcd.key(), other.caFile());
    withStore(etcdFlags(wrongTrust), client ->
        assertThatThrownBy(() -> client.create("/cnmt/tls/b", StringValue.of("x")))
            .isInstanceOfSatisfying(CnmException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE)));
    withStore(etcdFlags(storeToEtcd), client ->
        assertThat(client.get("/cnmt/tls/b", StringValue.parser())).isEmpty());
  }

  @Test
  void write_clientCertificateOfAnotherCa_refusedByEtcd() throws Exception {
    TestPki other = new TestPki(dir.resolve("stranger"), "cnmt-stranger-ca");
    TlsFiles foreign = other.issue(CertificateKind.SERVICE, "cnm", pki.caFile());
    withStore(etcdFlags(foreign), client ->
        assertThatThrownBy(() -> client.create("/cnmt/tls/c", StringValue.of("x")))
            .isInstanceOfSatisfying(CnmException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE)));
    withStore(etcdFlags(storeToEtcd), client ->
        assertThat(client.get("/cnmt/tls/c", StringValue.parser())).isEmpty());
  }

  @Test
  void write_plaintextToTlsEtcd_refused() throws Exception {
    withStore(TlsFiles.NONE, client ->
        assertThatThrownBy(() -> client.create("/cnmt/tls/d", StringValue.of("x")))
            .isInstanceOf(CnmException.class));
  }
}
