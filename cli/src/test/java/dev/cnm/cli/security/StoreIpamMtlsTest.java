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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * store and ipam serving mutual TLS with certificates from cnm's own CA: only service and admin
 * certificates may call them; a node agent's certificate is refused after the handshake, a client
 * without a certificate in it.
 */
class StoreIpamMtlsTest {
  private static final ByteString KEY = ByteString.copyFromUtf8("/cnmt/mtls");

  @TempDir Path dir;
  TestPki pki;
  MtlsController server;
  final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    pki = new TestPki(dir.resolve("pki"), "cnmt-ca");
    server = new MtlsController(dir.resolve("store"), pki.issue(CertificateKind.SERVICE, "cnm", pki.caFile()));
  }

  @AfterEach
  void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    server.close();
  }

  private StoreGrpc.StoreBlockingStub store(TlsFiles tls) {
    ManagedChannel c = MtlsController.dial(server.storeTarget(), tls);
    channels.add(c);
    return StoreGrpc.newBlockingStub(c).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private IpamGrpc.IpamBlockingStub ipam(TlsFiles tls) {
    ManagedChannel c = MtlsController.dial(server.ipamTarget(), tls);
    channels.add(c);
    return IpamGrpc.newBlockingStub(c).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private TlsFiles node(String name) throws Exception {
    return pki.issue(CertificateKind.NODE, name, pki.caFile());
  }

  private static PutRequest put(String value) {
    return PutRequest.newBuilder().setKey(KEY).setValue(ByteString.copyFromUtf8(value)).build();
  }

  private long keysWritten() throws Exception {
    return store(pki.issue(CertificateKind.ADMIN, "alice", pki.caFile()))
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
    var anonymous = store(new TlsFiles(null, null, pki.caFile()));

    assertThatThrownBy(() -> anonymous.put(put("anonymous")))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
            .as(e.getStatus().toString()).isEqualTo(Status.Code.UNAVAILABLE));
    assertThat(keysWritten()).isZero();
  }

  @Test
  void store_certificateFromAnotherCa_handshakeRefused() throws Exception {
    TestPki stranger = new TestPki(dir.resolve("stranger"), "cnmt-other-ca");
    var foreign = store(stranger.issue(CertificateKind.SERVICE, "cnm", pki.caFile()));

    assertThatThrownBy(() -> foreign.put(put("foreign")))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
            .as(e.getStatus().toString()).isEqualTo(Status.Code.UNAVAILABLE));
    assertThat(keysWritten()).isZero();
  }

  @Test
  void store_serviceAndAdminCertificates_allowed() throws Exception {
    store(pki.issue(CertificateKind.SERVICE, "other-replica", pki.caFile())).put(put("service"));
    store(pki.issue(CertificateKind.ADMIN, "alice", pki.caFile())).put(put("admin"));

    assertThat(keysWritten()).isEqualTo(1);
  }

  @Test
  void store_healthCheck_anyCertificateOfTheCa() throws Exception {
    ManagedChannel c = MtlsController.dial(server.storeTarget(), node("node-a"));
    channels.add(c);
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
    var anonymous = ipam(new TlsFiles(null, null, pki.caFile()));

    assertThatThrownBy(() -> anonymous.getDefaultAddressSpaces(GetDefaultAddressSpacesRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
            .as(e.getStatus().toString()).isEqualTo(Status.Code.UNAVAILABLE));
  }

  @Test
  void ipam_serviceAndAdminCertificates_allowed() throws Exception {
    assertThat(ipam(pki.issue(CertificateKind.SERVICE, "controller", pki.caFile()))
        .getDefaultAddressSpaces(GetDefaultAddressSpacesRequest.getDefaultInstance()).getLocalDefaultAddressSpace()).isNotEmpty();
    assertThat(ipam(pki.issue(CertificateKind.ADMIN, "alice", pki.caFile()))
        .getDefaultAddressSpaces(GetDefaultAddressSpacesRequest.getDefaultInstance()).getLocalDefaultAddressSpace()).isNotEmpty();
  }
}
