package dev.cnm.runtime.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.StringValue;
import dev.cnm.runtime.Telemetry;
import dev.cnm.runtime.config.ServerOptions;
import dev.cnm.runtime.config.TlsFiles;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.grpc.Channels;
import dev.cnm.runtime.grpc.ClientOptions;
import dev.cnm.runtime.grpc.CnmServer;
import dev.cnm.runtime.grpc.GrpcErrors;
import dev.cnm.runtime.security.CallerIdentity.Role;
import dev.cnm.runtime.security.RoleAuthorization;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.ClientCalls;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CnmServer's role authorisation over real TLS: a certificate of the CA without a cnm role is
 * refused by services (not by health checks), and the policy applies only when a client CA is
 * configured. (Role-by-role refusals with certificates from {@code cnm certs}: the cli module's
 * StoreIpamMtlsTest and ControllerMtlsTest.)
 */
class RoleAuthorizationTest {
  @TempDir Path dir;
  private final Telemetry telemetry = Telemetry.noop();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private TestPki pki;
  private Path ca;
  private CnmServer server;

  @BeforeEach
  void setUp() throws Exception {
    pki = new TestPki(dir, "cnm-test-ca");
    ca = pki.caFile();
  }

  @AfterEach
  void tearDown() {
    channels.forEach(ManagedChannel::shutdownNow);
    if (server != null) {
      server.close();
    }
  }

  private void start(TlsFiles tls) throws Exception {
    server = CnmServer.builder("authz-test", ServerOptions.builder().listen("127.0.0.1:0").tls(tls).build())
        .authorization(RoleAuthorization.allowing(Role.SERVICE, Role.ADMIN))
        .addService(MutualTlsTest.IDENTITY).telemetry(telemetry).start();
  }

  private ManagedChannel dial(TlsFiles tls) {
    ManagedChannel channel = Channels.forTarget("127.0.0.1:" + server.port(), ClientOptions.of(tls, telemetry));
    channels.add(channel);
    return channel;
  }

  private String whoAmI(TlsFiles tls) {
    return ClientCalls.blockingUnaryCall(dial(tls).newCall(MutualTlsTest.WHO_AM_I,
        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS)), StringValue.of("")).getValue();
  }

  @Test
  void mtls_certificateWithoutCnmRole_permissionDeniedNoCnmIdentity() throws Exception {
    Path[] serverCert = pki.issue("store");
    start(new TlsFiles(serverCert[0], serverCert[1], ca));
    Path[] roleless = pki.issue("somebody"); // O=cnm-test, URI spiffe://cnm/test/...: no cnm role

    assertThatThrownBy(() -> whoAmI(new TlsFiles(roleless[0], roleless[1], ca)))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
          CnmException mapped = GrpcErrors.fromStatus(e);
          assertThat(mapped.reason()).isEqualTo("NO_CNM_IDENTITY");
          assertThat(mapped.getMessage()).contains("CN=somebody");
        });
  }

  @Test
  void mtls_healthCheck_anyCertificateOfTheCa() throws Exception {
    Path[] serverCert = pki.issue("store");
    start(new TlsFiles(serverCert[0], serverCert[1], ca));
    Path[] roleless = pki.issue("probe");

    HealthCheckResponse health = HealthGrpc.newBlockingStub(dial(new TlsFiles(roleless[0], roleless[1], ca)))
        .withDeadlineAfter(10, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance());
    assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  @Test
  void serverOnlyTls_noClientCa_policyNotApplied() throws Exception {
    Path[] serverCert = pki.issue("store");
    start(new TlsFiles(serverCert[0], serverCert[1], null));

    assertThat(whoAmI(new TlsFiles(null, null, ca))).isEqualTo("anonymous");
  }

  @Test
  void plaintext_policyNotApplied() throws Exception {
    start(TlsFiles.NONE);

    assertThat(whoAmI(TlsFiles.NONE)).isEqualTo("anonymous");
  }
}
