package dev.cnm.cli.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.cnm.api.v1.GetDefaultAddressSpacesRequest;
import dev.cnm.api.v1.IpamGrpc;
import dev.cnm.api.v1.PutRequest;
import dev.cnm.api.v1.RangeRequest;
import dev.cnm.api.v1.StoreGrpc;
import dev.cnm.cli.certs.CertificateKind;
import dev.cnm.runtime.config.TlsFiles;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * store and ipam serving mutual TLS with certificates from cnm's own CA: only service and admin
 * certificates may call them; a node agent's certificate is refused after the handshake, a client
 * without a certificate in it.
 */
class StoreIpamMtlsTest {
  private static final ByteString KEY = ByteString.copyFromUtf8("/cnmt/mtls");

  @TempDir Path dir;
  @RegisterExtension final MtlsLab lab = new MtlsLab(() -> dir);

  private StoreGrpc.StoreBlockingStub store(TlsFiles tls) {
    return StoreGrpc.newBlockingStub(lab.dial(lab.server().storeTarget(), tls))
        .withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private IpamGrpc.IpamBlockingStub ipam(TlsFiles tls) {
    return IpamGrpc.newBlockingStub(lab.dial(lab.server().ipamTarget(), tls))
        .withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private TlsFiles node(String name) throws Exception {
    return lab.issue(CertificateKind.NODE, name);
  }

  private static PutRequest put(String value) {
    return PutRequest.newBuilder().setKey(KEY).setValue(ByteString.copyFromUtf8(value)).build();
  }

  private long keysWritten() throws Exception {
    return store(lab.issue(CertificateKind.ADMIN, "alice"))
        .range(RangeRequest.newBuilder().setKey(KEY).build()).getCount();
  }

  @Test
  void store_nodeCertificate_permissionDeniedNamingTheNode() throws Exception {
    var agent = store(node("node-a"));

    assertThatThrownBy(() -> agent.put(put("from-node")))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
          assertThat(e.getStatus().getDescription()).contains("cnm.v1.Store").contains("node \"node-a\"");
        });
    assertThat(keysWritten()).isZero();
  }

  @Test
  void store_withoutClientCertificate_handshakeRefused() throws Exception {
    var anonymous = store(new TlsFiles(null, null, lab.pki().caFile()));

    assertThatThrownBy(() -> anonymous.put(put("anonymous")))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
            .as(e.getStatus().toString()).isEqualTo(Status.Code.UNAVAILABLE));
    assertThat(keysWritten()).isZero();
  }

  @Test
  void store_certificateFromAnotherCa_handshakeRefused() throws Exception {
    TestPki stranger = new TestPki(dir.resolve("stranger"), "cnmt-other-ca");
    var foreign = store(stranger.issue(CertificateKind.SERVICE, "cnm", lab.pki().caFile()));

    assertThatThrownBy(() -> foreign.put(put("foreign")))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
            .as(e.getStatus().toString()).isEqualTo(Status.Code.UNAVAILABLE));
    assertThat(keysWritten()).isZero();
  }

  @Test
  void store_serviceAndAdminCertificates_allowed() throws Exception {
    store(lab.issue(CertificateKind.SERVICE, "other-replica")).put(put("service"));
    store(lab.issue(CertificateKind.ADMIN, "alice")).put(put("admin"));

    assertThat(keysWritten()).isEqualTo(1);
  }

  @Test
  void store_healthCheck_anyCertificateOfTheCa() throws Exception {
    ManagedChannel c = lab.dial(lab.server().storeTarget(), node("node-a"));
    HealthCheckResponse health = HealthGrpc.newBlockingStub(c).withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance());
    assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  @Test
  void ipam_nodeCertificate_permissionDenied() throws Exception {
    var agent = ipam(node("node-a"));

    assertThatThrownBy(() -> agent.getDefaultAddressSpaces(GetDefaultAddressSpacesRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
          assertThat(e.getStatus().getDescription()).contains("cnm.v1.Ipam").contains("node \"node-a\"");
        });
  }

  @Test
  void ipam_withoutClientCertificate_handshakeRefused() throws Exception {
    var anonymous = ipam(new TlsFiles(null, null, lab.pki().caFile()));

    assertThatThrownBy(() -> anonymous.getDefaultAddressSpaces(GetDefaultAddressSpacesRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
            .as(e.getStatus().toString()).isEqualTo(Status.Code.UNAVAILABLE));
  }

  @Test
  void ipam_serviceAndAdminCertificates_allowed() throws Exception {
    assertThat(ipam(lab.issue(CertificateKind.SERVICE, "controller"))
        .getDefaultAddressSpaces(GetDefaultAddressSpacesRequest.getDefaultInstance()).getLocalDefaultAddressSpace()).isNotEmpty();
    assertThat(ipam(lab.issue(CertificateKind.ADMIN, "alice"))
        .getDefaultAddressSpaces(GetDefaultAddressSpacesRequest.getDefaultInstance()).getLocalDefaultAddressSpace()).isNotEmpty();
  }
}
