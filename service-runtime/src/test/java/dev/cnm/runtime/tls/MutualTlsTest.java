package dev.cnm.runtime.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.StringValue;
import dev.cnm.runtime.Telemetry;
import dev.cnm.runtime.config.ServerOptions;
import dev.cnm.runtime.config.TlsFiles;
import dev.cnm.runtime.grpc.Channels;
import dev.cnm.runtime.grpc.ClientOptions;
import dev.cnm.runtime.grpc.CnmServer;
import dev.cnm.runtime.grpc.PeerIdentity;
import io.grpc.BindableService;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real TLS handshake over loopback with certificates made by a test CA. */
class MutualTlsTest {
  static final MethodDescriptor<StringValue, StringValue> WHO_AM_I =
      MethodDescriptor.<StringValue, StringValue>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("cnm.test.Identity/WhoAmI")
          .setRequestMarshaller(ProtoUtils.marshaller(StringValue.getDefaultInstance()))
          .setResponseMarshaller(ProtoUtils.marshaller(StringValue.getDefaultInstance()))
          .build();

  /** Answers the caller certificate's CN and URI SAN, as the controller's node check will read them. */
  static final BindableService IDENTITY = () -> ServerServiceDefinition.builder(
          ServiceDescriptor.newBuilder("cnm.test.Identity").addMethod(WHO_AM_I).build())
      .addMethod(WHO_AM_I, ServerCalls.asyncUnaryCall((request, response) -> {
        String who = PeerIdentity.current()
            .map(p -> p.commonName().orElse("?") + " " + p.uris())
            .orElse("anonymous");
        response.onNext(StringValue.of(who));
        response.onCompleted();
      }))
      .build();

  @TempDir
  Path dir;

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
  void tearDown() throws InterruptedException {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.close();
    }
  }

  private void startServer(TlsFiles tls) throws Exception {
    server = CnmServer.builder("tls-test", ServerOptions.builder().listen("127.0.0.1:0").tls(tls).build())
        .addService(IDENTITY).telemetry(telemetry).start();
  }

  private String call(TlsFiles clientTls) {
    ManagedChannel channel = Channels.forTarget("127.0.0.1:" + server.port(), ClientOptions.of(clientTls, telemetry));
    channels.add(channel);
    return ClientCalls.blockingUnaryCall(channel.newCall(WHO_AM_I, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS)),
        StringValue.of("")).getValue();
  }

  private TlsFiles mtlsServer() throws Exception {
    Path[] serverCert = pki.issue("store");
    return new TlsFiles(serverCert[0], serverCert[1], ca);
  }

  @Test
  void mtls_clientWithCertificateFromCa_isServedAndIdentified() throws Exception {
    startServer(mtlsServer());
    Path[] node = pki.issue("node-1");

    String who = call(new TlsFiles(node[0], node[1], ca));

    assertThat(who).isEqualTo("node-1 [spiffe://cnm/test/node-1]");
  }

  @Test
  void mtls_clientWithoutCertificate_isRefused() throws Exception {
    startServer(mtlsServer());

    assertThatThrownBy(() -> call(new TlsFiles(null, null, ca)))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }

  @Test
  void mtls_clientCertificateFromAnotherCa_isRefused() throws Exception {
    startServer(mtlsServer());
    Path[] stranger = new TestPki(dir, "stranger-ca").issue("node-1");

    assertThatThrownBy(() -> call(new TlsFiles(stranger[0], stranger[1], ca)))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }

  @Test
  void mtls_plaintextClient_isRefused() throws Exception {
    startServer(mtlsServer());

    assertThatThrownBy(() -> call(TlsFiles.NONE))
        .isInstanceOf(StatusRuntimeException.class);
  }

  @Test
  void tls_serverOnly_clientVerifyingWithCa_isServedAnonymously() throws Exception {
    Path[] serverCert = pki.issue("store");
    startServer(new TlsFiles(serverCert[0], serverCert[1], null));

    assertThat(call(new TlsFiles(null, null, ca))).isEqualTo("anonymous");
  }

  @Test
  void tls_serverCertificateFromAnotherCa_clientRefusesServer() throws Exception {
    Path[] impostor = new TestPki(dir, "impostor-ca").issue("store");
    startServer(new TlsFiles(impostor[0], impostor[1], null));

    assertThatThrownBy(() -> call(new TlsFiles(null, null, ca)))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }

  @Test
  void tlsFiles_certWithoutKey_rejected() {
    assertThatThrownBy(() -> new TlsFiles(ca, null, null)).hasMessageContaining("--tls-cert and --tls-key");
  }

}
