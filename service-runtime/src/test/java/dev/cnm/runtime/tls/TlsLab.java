package dev.cnm.runtime.tls;

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
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension for the TLS tests: per test a fresh test CA ("cnm-test-ca") in the test's
 * {@code @TempDir}, at most one {@link CnmServer} on a loopback port serving {@link #IDENTITY}, and
 * client channels to it; all shut down and closed after the test. JUnit injects {@code @TempDir}
 * fields (a built-in extension) before extensions registered by the test class run.
 */
final class TlsLab implements BeforeEachCallback, AfterEachCallback {
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

  private final Supplier<Path> dir;
  private final Telemetry telemetry = Telemetry.noop();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private TestPki pki;
  private Path ca;
  private CnmServer server;

  /** {@code dir}: the test's {@code @TempDir}, read when each test starts. */
  TlsLab(Supplier<Path> dir) {
    this.dir = dir;
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    Path dir = Objects.requireNonNull(this.dir.get(), "the test's @TempDir is not injected yet");
    pki = new TestPki(dir, "cnm-test-ca");
    ca = pki.caFile();
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    channels.clear();
    if (server != null) {
      server.close();
      server = null;
    }
  }

  /** The PEM file of the lab's CA. */
  Path ca() {
    return ca;
  }

  /** Certificate and key for {@code cn} from the lab's CA, trusting (and requiring peers of) that CA. */
  TlsFiles trusting(String cn) throws Exception {
    Path[] certificate = pki.issue(cn);
    return new TlsFiles(certificate[0], certificate[1], ca);
  }

  /** Certificate and key for {@code cn} from the lab's CA, no CA to check peers with (server-only TLS). */
  TlsFiles serverOnly(String cn) throws Exception {
    Path[] certificate = pki.issue(cn);
    return new TlsFiles(certificate[0], certificate[1], null);
  }

  /** Starts the server under test with {@code tls} and the identity service. */
  void start(String name, TlsFiles tls) throws Exception {
    start(name, tls, UnaryOperator.identity());
  }

  /** Starts the server under test with {@code tls}, the identity service and what {@code configure} adds. */
  void start(String name, TlsFiles tls, UnaryOperator<CnmServer.Builder> configure) throws Exception {
    // insecureTcp: the lab checks the TLS layer itself, also for server-only TLS (no client CA)
    start(name, tls, true, configure);
  }

  /** As above; {@code insecureTcp} false applies CnmServer's untrusted-TCP policy without a client CA. */
  void start(String name, TlsFiles tls, boolean insecureTcp, UnaryOperator<CnmServer.Builder> configure)
      throws Exception {
    ServerOptions options = ServerOptions.builder().listen("127.0.0.1:0").tls(tls).insecureTcp(insecureTcp).build();
    server = configure.apply(CnmServer.builder(name, options)
        .addService(IDENTITY).telemetry(telemetry)).start();
  }

  /** A channel to the server under test presenting (or not) {@code tls}, shut down after the test. */
  ManagedChannel dial(TlsFiles tls) {
    ManagedChannel channel = Channels.forTarget("127.0.0.1:" + server.port(), ClientOptions.of(tls, telemetry));
    channels.add(channel);
    return channel;
  }

  /** Calls WhoAmI with {@code tls}: what the server read from the client certificate. */
  String whoAmI(TlsFiles tls) {
    return ClientCalls.blockingUnaryCall(dial(tls).newCall(WHO_AM_I,
        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS)), StringValue.of("")).getValue();
  }
}
