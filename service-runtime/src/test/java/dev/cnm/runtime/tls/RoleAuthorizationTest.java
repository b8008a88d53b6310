package dev.cnm.runtime.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cnm.runtime.config.TlsFiles;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.grpc.GrpcErrors;
import dev.cnm.runtime.security.CallerIdentity.Role;
import dev.cnm.runtime.security.RoleAuthorization;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * CnmServer's role authorisation over real TLS: a certificate of the CA without a cnm role is
 * refused by services (not by health checks), and the policy applies only when a client CA is
 * configured. (Role-by-role refusals with certificates from {@code cnm certs}: the cli module's
 * StoreIpamMtlsTest and ControllerMtlsTest.)
 */
class RoleAuthorizationTest {
  @TempDir Path dir;
  @RegisterExtension final TlsLab lab = new TlsLab(() -> dir);

  private void start(TlsFiles tls) throws Exception {
    lab.start("authz-test", tls, server -> server.authorization(RoleAuthorization.allowing(Role.SERVICE, Role.ADMIN)));
  }

  @Test
  void mtls_certificateWithoutCnmRole_permissionDeniedNoCnmIdentity() throws Exception {
    start(lab.trusting("store"));
    TlsFiles roleless = lab.trusting("somebody"); // O=cnm-test, URI spiffe://cnm/test/...: no cnm role

    assertThatThrownBy(() -> lab.whoAmI(roleless))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
          CnmException mapped = GrpcErrors.fromStatus(e);
          assertThat(mapped.reason()).isEqualTo("NO_CNM_IDENTITY");
          assertThat(mapped.getMessage()).contains("CN=somebody");
        });
  }

  @Test
  void mtls_healthCheck_anyCertificateOfTheCa() throws Exception {
    start(lab.trusting("store"));
    TlsFiles roleless = lab.trusting("probe");

    HealthCheckResponse health = HealthGrpc.newBlockingStub(lab.dial(roleless))
        .withDeadlineAfter(10, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance());
    assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  @Test
  void serverOnlyTls_noClientCa_policyNotApplied() throws Exception {
    start(lab.serverOnly("store"));

    assertThat(lab.whoAmI(new TlsFiles(null, null, lab.ca()))).isEqualTo("anonymous");
  }

  @Test
  void plaintext_policyNotApplied() throws Exception {
    start(TlsFiles.NONE);

    assertThat(lab.whoAmI(TlsFiles.NONE)).isEqualTo("anonymous");
  }

  @Test
  void serverOnlyTls_withoutInsecureTcp_serviceCallUnauthenticated_healthServed() throws Exception {
    lab.start("authz-test", lab.serverOnly("store"), false, UnaryOperator.identity());
    TlsFiles anonymous = new TlsFiles(null, null, lab.ca());

    // TLS proves the server to the client, not the client to the server: as untrusted as plaintext
    assertThatThrownBy(() -> lab.whoAmI(anonymous))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
          assertThat(GrpcErrors.fromStatus(e).reason()).isEqualTo("TCP_CALLER_NOT_TRUSTED");
        });
    assertThat(HealthGrpc.newBlockingStub(lab.dial(anonymous)).withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance()).getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }
}
