package dev.cnm.runtime.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.runtime.Telemetry;
import dev.cnm.runtime.config.ServerOptions;
import dev.cnm.runtime.grpc.Channels;
import dev.cnm.runtime.grpc.ClientOptions;
import dev.cnm.runtime.grpc.CnmServer;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MetricsEndpointTest {
  private final HttpClient http = HttpClient.newHttpClient();
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
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.metricsPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void metrics_afterCalls_showServerAndClientRpcHistogramsByCode() throws Exception {
    server = CnmServer.builder("metrics-test",
            ServerOptions.builder().listen("127.0.0.1:0").metricsListen("127.0.0.1:0").insecureTcp(true).build())
        .start();
    channel = Channels.forTarget("127.0.0.1:" + server.port(), ClientOptions.plaintext(server.telemetry()));
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
    health.check(HealthCheckRequest.getDefaultInstance());
    health.check(HealthCheckRequest.getDefaultInstance());
    try {
      health.check(HealthCheckRequest.newBuilder().setService("missing").build());
    } catch (io.grpc.StatusRuntimeException expected) {
      // NOT_FOUND, counted under its own code
    }

    HttpResponse<String> response = get("/metrics");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
    String body = response.body();
    assertThat(body).containsPattern(
        "grpc_server_handling_seconds_count\\{[^}]*grpc_code=\"OK\"[^}]*grpc_method=\"Check\"[^}]*} 2");
    assertThat(body).containsPattern(
        "grpc_server_handling_seconds_count\\{[^}]*grpc_code=\"NOT_FOUND\"[^}]*grpc_method=\"Check\"[^}]*} 1");
    assertThat(body).containsPattern(
        "grpc_server_handling_seconds_bucket\\{[^}]*grpc_method=\"Check\"[^}]*le=\"0.005\"");
    assertThat(body).containsPattern(
        "grpc_client_handling_seconds_count\\{[^}]*grpc_code=\"OK\"[^}]*grpc_method=\"Check\"[^}]*} 2");
    assertThat(body).containsPattern("grpc_server_started_total\\{[^}]*grpc_method=\"Check\"[^}]*} 3");
    assertThat(body).contains("jvm_memory_used_bytes");
  }

  @Test
  void healthz_whileServingAndAfterUnknownPath_okAndNotFound() throws Exception {
    server = CnmServer.builder("metrics-test",
            ServerOptions.builder().listen("127.0.0.1:0").metricsListen("127.0.0.1:0").insecureTcp(true).build())
        .start();

    HttpResponse<String> healthz = get("/healthz");

    assertThat(healthz.statusCode()).isEqualTo(200);
    assertThat(healthz.body()).isEqualTo("ok\n");
    assertThat(get("/nothing-here").statusCode()).isEqualTo(404);
  }

  @Test
  void metricsListen_empty_noHttpServer() throws Exception {
    server = CnmServer.builder("metrics-test", ServerOptions.insecureListeningOn("127.0.0.1:0"))
        .telemetry(Telemetry.noop())
        .start();

    assertThat(server.metricsPort()).isEqualTo(-1);
  }
}
