package dev.cnm.runtime.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cnm.runtime.Telemetry;
import dev.cnm.runtime.config.ServerOptions;
import dev.cnm.runtime.errors.CnmException;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which listener trusts whom: a Unix socket and an in-process name trust their callers; a TCP
 * listener without mutual TLS serves health, reflection and the read-only methods, and refuses
 * the rest with UNAUTHENTICATED before the handler runs, unless the options say insecureTcp.
 */
class ListenerTrustTest {
  @TempDir Path dir;
  private final Telemetry telemetry = Telemetry.noop();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private CnmServer server;

  @AfterEach
  void tearDown() throws InterruptedException {
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.close();
    }
    telemetry.close();
  }

  private ManagedChannel dial(String target) {
    ManagedChannel c = Channels.forTarget(target, ClientOptions.plaintext(telemetry));
    channels.add(c);
    return c;
  }

  private void start(ServerOptions options, CountingEcho echo, boolean echoIsReadOnly) throws Exception {
    CnmServer.Builder b = CnmServer.builder("trust-test", options).addService(echo).telemetry(telemetry);
    if (echoIsReadOnly) {
      b.readOnly(EchoService.ECHO);
    }
    server = b.start();
  }

  private String tcp() {
    return server.addresses().stream().filter(a -> !a.startsWith("unix:") && !a.startsWith("inprocess:"))
        .findFirst().orElseThrow();
  }

  @Test
  void call_plainTcpWithoutInsecureTcp_unauthenticatedAndHandlerNeverRuns() throws Exception {
    CountingEcho echo = new CountingEcho();
    start(ServerOptions.listeningOn("127.0.0.1:0"), echo, false);

    assertThatThrownBy(() -> EchoService.call(dial(tcp()), "hi"))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
          CnmException mapped = GrpcErrors.fromStatus(e);
          assertThat(mapped.reason()).isEqualTo("TCP_CALLER_NOT_TRUSTED");
          assertThat(mapped.getMessage()).contains("cnm.test.Echo/Echo").contains("--insecure-tcp");
        });
    assertThat(echo.calls).isZero();
  }

  @Test
  void call_plainTcp_readOnlyMethodAndHealthServed() throws Exception {
    CountingEcho echo = new CountingEcho();
    start(ServerOptions.listeningOn("127.0.0.1:0"), echo, true);
    ManagedChannel channel = dial(tcp());

    assertThat(EchoService.call(channel, "hi")).isEqualTo("hi");
    assertThat(HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance()).getStatus()).isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void call_sameServerOnUnixSocketAndInProcess_trusted_onTcp_refused() throws Exception {
    CountingEcho echo = new CountingEcho();
    Path socket = dir.resolve("trust.sock");
    String inProcess = "inprocess:trust-" + UUID.randomUUID();
    start(ServerOptions.builder().listen("unix:" + socket).addListen(inProcess).addListen("127.0.0.1:0").build(),
        echo, false);

    assertThat(EchoService.call(dial("unix:" + socket), "over the socket")).isEqualTo("over the socket");
    assertThat(EchoService.call(dial(inProcess), "in process")).isEqualTo("in process");
    assertThatThrownBy(() -> EchoService.call(dial(tcp()), "over tcp"))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    assertThat(echo.calls).isEqualTo(2);
  }

  @Test
  void call_plainTcpWithInsecureTcp_served() throws Exception {
    CountingEcho echo = new CountingEcho();
    start(ServerOptions.builder().listen("127.0.0.1:0").insecureTcp(true).build(), echo, false);

    assertThat(EchoService.call(dial(tcp()), "trusted")).isEqualTo("trusted");
    assertThat(echo.calls).isEqualTo(1);
  }

  /** EchoService's method, counting the calls that reached the handler. */
  private static final class CountingEcho implements io.grpc.BindableService {
    private final EchoService echo = new EchoService();
    volatile int calls;

    @Override
    public io.grpc.ServerServiceDefinition bindService() {
      io.grpc.ServerServiceDefinition inner = echo.bindService();
      return io.grpc.ServerInterceptors.intercept(inner, new io.grpc.ServerInterceptor() {
        @Override
        public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, R> call,
            io.grpc.Metadata headers, io.grpc.ServerCallHandler<Q, R> next) {
          synchronized (CountingEcho.this) {
            calls++;
          }
          return next.startCall(call, headers);
        }
      });
    }
  }
}
