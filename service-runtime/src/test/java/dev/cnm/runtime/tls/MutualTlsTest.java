package dev.cnm.runtime.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cnm.runtime.config.TlsFiles;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A real TLS handshake over loopback with certificates made by a test CA. */
class MutualTlsTest {
  @TempDir Path dir;
  @RegisterExtension final TlsLab lab = new TlsLab(() -> dir);

  private void startServer(TlsFiles tls) throws Exception {
    lab.start("tls-test", tls);
  }

  @Test
  void mtls_clientWithCertificateFromCa_isServedAndIdentified() throws Exception {
    startServer(lab.trusting("store"));
    TlsFiles node = lab.trusting("node-1");

    String who = lab.whoAmI(node);

    assertThat(who).isEqualTo("node-1 [spiffe://cnm/test/node-1]");
  }

  @Test
  void mtls_clientWithoutCertificate_isRefused() throws Exception {
    startServer(lab.trusting("store"));

    assertThatThrownBy(() -> lab.whoAmI(new TlsFiles(null, null, lab.ca())))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }

  @Test
  void mtls_clientCertificateFromAnotherCa_isRefused() throws Exception {
    startServer(lab.trusting("store"));
    Path[] stranger = new TestPki(dir, "stranger-ca").issue("node-1");

    assertThatThrownBy(() -> lab.whoAmI(new TlsFiles(stranger[0], stranger[1], lab.ca())))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }

  @Test
  void mtls_plaintextClient_isRefused() throws Exception {
    startServer(lab.trusting("store"));

    assertThatThrownBy(() -> lab.whoAmI(TlsFiles.NONE))
        .isInstanceOf(StatusRuntimeException.class);
  }

  @Test
  void tls_serverOnly_clientVerifyingWithCa_isServedAnonymously() throws Exception {
    startServer(lab.serverOnly("store"));

    assertThat(lab.whoAmI(new TlsFiles(null, null, lab.ca()))).isEqualTo("anonymous");
  }

  @Test
  void tls_serverCertificateFromAnotherCa_clientRefusesServer() throws Exception {
    Path[] impostor = new TestPki(dir, "impostor-ca").issue("store");
    startServer(new TlsFiles(impostor[0], impostor[1], null));

    assertThatThrownBy(() -> lab.whoAmI(new TlsFiles(null, null, lab.ca())))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }

  @Test
  void tlsFiles_certWithoutKey_rejected() {
    assertThatThrownBy(() -> new TlsFiles(lab.ca(), null, null)).hasMessageContaining("--tls-cert and --tls-key");
  }
}
