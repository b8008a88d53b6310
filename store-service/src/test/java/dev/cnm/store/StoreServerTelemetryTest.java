package dev.cnm.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.cnm.api.v1.RangeRequest;
import dev.cnm.api.v1.StoreGrpc;
import dev.cnm.runtime.Telemetry;
import dev.cnm.runtime.config.ServerOptions;
import dev.cnm.runtime.grpc.Channels;
import dev.cnm.runtime.grpc.ClientOptions;
import io.grpc.ManagedChannel;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `cnm up` hands the store the process's Telemetry: the store's RPC meters land on that one registry. */
class StoreServerTelemetryTest {
  @TempDir Path dir;

  @Test
  void start_withSharedTelemetry_recordsServerMetricsOnItsRegistry() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Telemetry shared = Telemetry.of(OpenTelemetry.noop(), registry);
    String target = "inprocess:cnmt-store-" + UUID.randomUUID();
    try (StoreServer store = StoreServer.start(StoreServer.Backend.EMBEDDED, dir, List.of(),
        ServerOptions.insecureListeningOn(target), shared)) {
      ManagedChannel ch = Channels.forTarget(target, ClientOptions.plaintext(shared));
      try {
        StoreGrpc.newBlockingStub(ch).range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("/t/x")).build());
      } finally {
        ch.shutdownNow();
      }
    }
    String text = registry.scrape();
    assertThat(text).contains("grpc_server_started_total{grpc_method=\"Range\",grpc_service=\"cnm.v1.Store\"");
    assertThat(text).contains("grpc_client_started_total{grpc_method=\"Range\",grpc_service=\"cnm.v1.Store\"");
  }
}
