package dev.cnm.cli.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cnm.api.v1.ControllerMessage;
import dev.cnm.api.v1.CreateNetworkRequest;
import dev.cnm.api.v1.InspectNodeRequest;
import dev.cnm.api.v1.ListNetworksRequest;
import dev.cnm.api.v1.ListNodesRequest;
import dev.cnm.api.v1.Network;
import dev.cnm.api.v1.NetworkControllerGrpc;
import dev.cnm.api.v1.NodeDiagnosticsGrpc;
import dev.cnm.api.v1.NodeInspection;
import dev.cnm.api.v1.NodeStatus;
import dev.cnm.cli.Cnm;
import dev.cnm.cli.certs.CertificateKind;
import dev.cnm.runtime.config.TlsFiles;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The controller with mutual TLS on a loopback port (and mTLS to its store and IPAM), certificates
 * issued by cnm's own CA: who gets in (admin, service, the right node) and who is refused, and
 * with which status.
 */
class ControllerMtlsTest {
  @TempDir Path dir;
  @RegisterExtension final MtlsLab lab = new MtlsLab(() -> dir);

  private ManagedChannel dial(TlsFiles tls) {
    return lab.dial(lab.server().target(), tls);
  }

  private NetworkControllerGrpc.NetworkControllerBlockingStub api(TlsFiles tls) {
    return NetworkControllerGrpc.newBlockingStub(dial(tls)).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private TlsFiles admin() throws Exception {
    return lab.issue(CertificateKind.ADMIN, "alice");
  }

  private static CreateNetworkRequest network(String name) {
    return CreateNetworkRequest.newBuilder().setNetwork(Network.newBuilder().setName(name).setDriver("null")).build();
  }

  @Test
  void call_withoutClientCertificate_handshakeRefused() throws Exception {
    var anonymous = api(new TlsFiles(null, null, lab.pki().caFile()));

    assertThatThrownBy(() -> anonymous.createNetwork(network("cnmt-anon")))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
            .as(e.getStatus().toString()).isEqualTo(Status.Code.UNAVAILABLE));
    assertThat(api(admin()).listNetworks(ListNetworksRequest.getDefaultInstance()).getNetworksList())
        .extracting(Network::getName).doesNotContain("cnmt-anon");
  }

  @Test
  void call_certificateFromAnotherCa_handshakeRefused() throws Exception {
    TestPki stranger = new TestPki(dir.resolve("stranger"), "cnmt-other-ca");
    // the stranger trusts our CA (it knows the server) but its own certificate is signed by another CA
    var foreign = api(stranger.issue(CertificateKind.ADMIN, "mallory", lab.pki().caFile()));

    assertThatThrownBy(() -> foreign.createNetwork(network("cnmt-foreign")))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
            .as(e.getStatus().toString()).isEqualTo(Status.Code.UNAVAILABLE));
    assertThat(api(admin()).listNetworks(ListNetworksRequest.getDefaultInstance()).getNetworksList())
        .extracting(Network::getName).doesNotContain("cnmt-foreign");
  }

  @Test
  void session_nodeCertificateForAnotherNode_permissionDeniedNamingBoth() throws Exception {
    try (AgentStream impostor = new AgentStream(dial(lab.issue(CertificateKind.NODE, "node-b")),
        "node-a")) {
      assertThatThrownBy(() -> impostor.ended.get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause().isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(e.getStatus().getDescription()).contains("\"node-b\"").contains("\"node-a\"");
          });
      assertThat(impostor.received).noneMatch(ControllerMessage::hasRegistered);
    }
    assertThat(api(admin()).listNodes(ListNodesRequest.getDefaultInstance()).getNodesList()).isEmpty();
  }

  @Test
  void session_adminCertificate_permissionDenied() throws Exception {
    try (AgentStream agent = new AgentStream(dial(admin()), "node-a")) {
      assertThatThrownBy(() -> agent.ended.get(10, TimeUnit.SECONDS))
          .cause().isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    }
  }

  @Test
  void session_nodeCertificateOfThatNode_registersAndGetsItsState() throws Exception {
    try (AgentStream agent = new AgentStream(dial(lab.issue(CertificateKind.NODE, "node-a")),
        "node-a")) {
      ControllerMessage first = agent.received.poll(10, TimeUnit.SECONDS);
      assertThat(first).as("registered").isNotNull();
      assertThat(first.hasRegistered()).isTrue();
      ControllerMessage snapshot = agent.received.poll(10, TimeUnit.SECONDS);
      assertThat(snapshot).as("first snapshot").isNotNull();
      assertThat(snapshot.getSnapshot().getNode()).isEqualTo("node-a");

      var admin = api(admin());
      assertThat(admin.listNodes(ListNodesRequest.getDefaultInstance()).getNodesList())
          .singleElement().satisfies(n -> {
            assertThat(n.getName()).isEqualTo("node-a");
            assertThat(n.getStatus()).isEqualTo(NodeStatus.NODE_STATUS_READY);
          });
      NodeInspection inspection = NodeDiagnosticsGrpc.newBlockingStub(dial(admin()))
          .inspectNode(InspectNodeRequest.newBuilder().setNode("node-a").build());
      assertThat(inspection.getConnected()).isTrue();
      assertThat(inspection.getDesired().getSnapshot().getVersion())
          .isEqualTo(snapshot.getSnapshot().getVersion());
    }
  }

  @Test
  void networkApi_adminAndServiceCertificates_allowed() throws Exception {
    Network created = api(admin()).createNetwork(network("cnmt-admin"));
    assertThat(created.getId()).hasSize(64);

    var service = api(lab.issue(CertificateKind.SERVICE, "ops-bot"));
    assertThat(service.listNetworks(ListNetworksRequest.getDefaultInstance()).getNetworksList())
        .extracting(Network::getName).containsExactly("cnmt-admin");
  }

  @Test
  void networkApi_nodeCertificate_permissionDenied() throws Exception {
    var node = api(lab.issue(CertificateKind.NODE, "node-a"));

    assertThatThrownBy(() -> node.createNetwork(network("cnmt-from-node")))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
          assertThat(e.getStatus().getDescription()).contains("node \"node-a\"");
        });
    assertThat(api(admin()).listNetworks(ListNetworksRequest.getDefaultInstance()).getNetworksList()).isEmpty();
  }

  @Test
  void cliNodeInspect_adminCertificate_printsDesiredAndActualState() throws Exception {
    TlsFiles admin = admin();
    try (AgentStream agent = new AgentStream(dial(lab.issue(CertificateKind.NODE, "node-a")),
        "node-a")) {
      assertThat(agent.received.poll(10, TimeUnit.SECONDS)).isNotNull();
      StringWriter out = new StringWriter();
      CommandLine cli = Cnm.commandLine();
      cli.setOut(new PrintWriter(out));
      int exit = cli.execute("node", "inspect", "node-a", "-H", lab.server().target(),
          "--tls-cert", admin.cert().toString(), "--tls-key", admin.key().toString(),
          "--tls-ca", lab.pki().caFile().toString(), "-o", "json");

      assertThat(exit).as(out.toString()).isZero();
      assertThat(out.toString()).contains("\"name\": \"node-a\"").contains("\"connected\": true")
          .contains("\"desired\"").contains("\"actual\"");

      StringWriter text = new StringWriter();
      CommandLine table = Cnm.commandLine();
      table.setOut(new PrintWriter(text));
      assertThat(table.execute("node", "inspect", "node-a", "-H", lab.server().target(),
          "--tls-cert", admin.cert().toString(), "--tls-key", admin.key().toString(),
          "--tls-ca", lab.pki().caFile().toString())).isZero();
      assertThat(text.toString()).contains("Node:              node-a").contains("Status:            READY (session open)")
          .contains("Desired version:   1 (sent)").contains("Sandboxes:").contains("Endpoints:");
    }
  }
}
