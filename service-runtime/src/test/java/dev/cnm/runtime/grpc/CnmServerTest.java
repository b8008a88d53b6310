package dev.cnm.runtime.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cnm.runtime.Telemetry;
import dev.cnm.runtime.config.ServerOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CnmServerTest {
  private final Telemetry telemetry = Telemetry.noop();
  private CnmServer server;
  private ManagedChannel channel;

  @AfterEach
  void tearDown() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.close();
    }
    telemetry.close();
  }

  private void startOn(String listen) throws Exception {
    server = CnmServer.builder("echo", ServerOptions.insecureListeningOn(listen))
        .addService(new EchoService())
        .telemetry(telemetry)
        .start();
  }

  private void connect(String target) {
    channel = Channels.forTarget(target, ClientOptions.plaintext(telemetry));
  }

  @Test
  void start_loopbackPortZero_servesOnBoundPort() throws Exception {
    startOn("127.0.0.1:0");
    connect("127.0.0.1:" + server.port());

    assertThat(server.port()).isPositive();
    assertThat(server.addresses()).containsExactly("127.0.0.1:" + server.port());
    assertThat(EchoService.call(channel, "hi")).isEqualTo("hi");
  }

  @Test
  void runInline_namedMethodRunsOnTheEventLoop_othersOnTheServersPool() throws Exception {
    server = CnmServer.builder("echo", ServerOptions.insecureListeningOn("127.0.0.1:0")).addService(new EchoService())
        .telemetry(telemetry).runInline(EchoService.ECHO).start();
    connect("127.0.0.1:" + server.port());
    CnmServer other = CnmServer.builder("other", ServerOptions.insecureListeningOn("127.0.0.1:0")).addService(new EchoService())
        .telemetry(telemetry).runInline(HealthGrpc.getCheckMethod()).start();
    ManagedChannel toOther = Channels.forTarget("127.0.0.1:" + other.port(), ClientOptions.plaintext(telemetry));
    try {
      // Netty's event loop threads, as the default transport names them
      assertThat(EchoService.call(channel, "thread")).startsWith("grpc-default-worker-ELG");
      assertThat(EchoService.call(toOther, "thread")).startsWith("other-grpc-");
      assertThat(HealthGrpc.newBlockingStub(toOther).check(HealthCheckRequest.getDefaultInstance()).getStatus())
          .isEqualTo(ServingStatus.SERVING);
      assertThat(EchoService.call(toOther, "sleep:1")).isEqualTo("sleep:1");
    } finally {
      toOther.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      other.close();
    }
  }

  @Test
  void runInline_inProcessListener_keepsRunningCallsOnTheCallersThread() throws Exception {
    String name = "inline-" + UUID.randomUUID();
    server = CnmServer.builder("echo", ServerOptions.insecureListeningOn("inprocess:" + name)).addService(new EchoService())
        .telemetry(telemetry).runInline(HealthGrpc.getCheckMethod()).start();
    connect("inprocess:" + name);

    assertThat(EchoService.call(channel, "thread")).isEqualTo(Thread.currentThread().getName());
  }

  @Test
  void health_eachServiceAndOverall_serving() throws Exception {
    startOn("127.0.0.1:0");
    connect("127.0.0.1:" + server.port());
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);

    assertThat(health.check(HealthCheckRequest.newBuilder().setService(EchoService.SERVICE).build()).getStatus())
        .isEqualTo(ServingStatus.SERVING);
    assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus()).isEqualTo(ServingStatus.SERVING);
    assertThatThrownBy(() -> health.check(HealthCheckRequest.newBuilder().setService("no.Such").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
  }

  @Test
  void reflection_listServices_namesProtoServices() throws Exception {
    startOn("inprocess:" + UUID.randomUUID());
    connect(server.addresses().get(0));
    CompletableFuture<ServerReflectionResponse> reply = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel)
        .serverReflectionInfo(new StreamObserver<>() {
          @Override
          public void onNext(ServerReflectionResponse value) {
            reply.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            reply.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
          }
        });
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    requests.onCompleted();

    List<String> names = reply.get(5, TimeUnit.SECONDS).getListServicesResponse().getServiceList().stream()
        .map(ServiceResponse::getName).toList();
    // Reflection lists services built from .proto descriptors (the hand-made Echo has none).
    assertThat(names).contains("grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection");
  }

  @Test
  void call_serviceThrowsCnmException_clientGetsCodeAndReason() throws Exception {
    startOn("127.0.0.1:0");
    connect("127.0.0.1:" + server.port());

    assertThatThrownBy(() -> EchoService.call(channel, "throw-cnm"))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
          assertThat(e.getStatus().getDescription()).isEqualTo("network n1 not found");
          assertThat(GrpcErrors.fromStatus(e).reason()).isEqualTo("NETWORK_NOT_FOUND");
          assertThat(GrpcErrors.fromStatus(e).metadata()).containsEntry("network", "n1");
        });
  }

  @Test
  void call_serviceGivesCnmExceptionToOnError_clientGetsMappedCode() throws Exception {
    startOn("127.0.0.1:0");
    connect("127.0.0.1:" + server.port());

    assertThatThrownBy(() -> EchoService.call(channel, "onerror-cnm"))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(GrpcErrors.fromStatus(e).metadata()).containsEntry("field", "name");
        });
  }

  @Test
  void call_serviceThrowsUnexpected_clientGetsInternalNotUnknown() throws Exception {
    startOn("127.0.0.1:0");
    connect("127.0.0.1:" + server.port());

    assertThatThrownBy(() -> EchoService.call(channel, "throw-npe"))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL));
  }

  @Test
  void start_unixSocket_servesWithOwnerOnlyMode(@TempDir Path dir) throws Exception {
    Path socket = dir.resolve("run").resolve("cnm.sock");
    startOn("unix:" + socket);
    connect("unix:" + socket);

    assertThat(EchoService.call(channel, "over uds")).isEqualTo("over uds");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
  }

  @Test
  void start_unixSocketStillServed_refusesToSteal(@TempDir Path dir) throws Exception {
    Path socket = dir.resolve("cnm.sock");
    startOn("unix:" + socket);

    assertThatThrownBy(() -> CnmServer.builder("second", ServerOptions.insecureListeningOn("unix:" + socket))
        .telemetry(telemetry).start())
        .hasMessageContaining("in use");
  }

  @Test
  void start_twoAddresses_servesBoth(@TempDir Path dir) throws Exception {
    Path socket = dir.resolve("cnm.sock");
    server = CnmServer.builder("echo", ServerOptions.builder().listen("unix:" + socket).addListen("127.0.0.1:0").insecureTcp(true).build())
        .addService(new EchoService()).telemetry(telemetry).start();
    connect("127.0.0.1:" + server.port());
    ManagedChannel uds = Channels.forTarget("unix:" + socket, ClientOptions.plaintext(telemetry));
    try {
      assertThat(EchoService.call(channel, "tcp")).isEqualTo("tcp");
      assertThat(EchoService.call(uds, "uds")).isEqualTo("uds");
    } finally {
      uds.shutdownNow();
    }
  }

  @Test
  void close_callInFlight_finishesThenRefusesNewCalls() throws Exception {
    startOn("127.0.0.1:0");
    connect("127.0.0.1:" + server.port());
    CompletableFuture<String> slow = CompletableFuture.supplyAsync(() -> EchoService.call(channel, "sleep:400"));
    Thread.sleep(150);

    server.close();

    assertThat(slow.get(5, TimeUnit.SECONDS)).isEqualTo("sleep:400");
    assertThatThrownBy(() -> EchoService.call(channel, "late"))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }

  @Test
  void close_unixSocket_removesSocketFile(@TempDir Path dir) throws Exception {
    Path socket = dir.resolve("cnm.sock");
    startOn("unix:" + socket);

    server.close();

    assertThat(socket).doesNotExist();
  }
}
