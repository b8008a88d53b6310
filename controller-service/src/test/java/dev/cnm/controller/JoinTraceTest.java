package dev.cnm.controller;

import dev.cnm.agent.session.AgentSession;
import dev.cnm.api.v1.DesiredState;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.JoinRequest;
import dev.cnm.api.v1.NetworkControllerGrpc;
import dev.cnm.api.v1.NodeSandbox;
import dev.cnm.api.v1.ObjectKind;
import dev.cnm.api.v1.ObjectStatus;
import dev.cnm.api.v1.RegisterNode;
import dev.cnm.controller.domain.ports.PortAllocator;
import dev.cnm.controller.driver.DriverRegistry;
import dev.cnm.controller.ipam.GrpcAddressAllocator;
import dev.cnm.controller.session.ControllerMetrics;
import dev.cnm.ipam.domain.IpamConfig;
import dev.cnm.ipam.grpc.IpamGrpcService;
import dev.cnm.ipam.service.IpamMetrics;
import dev.cnm.ipam.service.IpamService;
import dev.cnm.ipam.store.StoreKv;
import dev.cnm.runtime.Telemetry;
import dev.cnm.runtime.grpc.GrpcErrors;
import dev.cnm.runtime.tracing.TracingClientInterceptor;
import dev.cnm.runtime.tracing.TracingSdk;
import dev.cnm.runtime.tracing.TracingServerInterceptor;
import dev.cnm.store.StoreServices;
import dev.cnm.store.backend.KvBackend;
import dev.cnm.store.client.StoreClient;
import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One attach traced end to end: store, IPAM and controller as in-process servers sharing one
 * Telemetry whose spans go to an in-memory exporter, and the real agent session code
 * ({@link AgentSession}) with an applier that touches no kernel. The test calls the controller
 * without a client span, so each controller server span is the root of its trace.
 */
class JoinTraceTest {
  @TempDir Path dir;
  final InMemorySpanExporter spans = InMemorySpanExporter.create();
  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final List<AutoCloseable> closers = new ArrayList<>();
  Telemetry telemetry;
  ControllerMetrics metrics;
  NetworkControllerGrpc.NetworkControllerBlockingStub api;
  AgentSession agent;

  @BeforeEach
  void start() throws Exception {
    telemetry = Telemetry.of(TracingSdk.withExporter("cnmt-trace", spans), registry);
    KvBackend backend = StoreServices.embedded(dir.resolve("store"));
    closers.add(backend::close);
    String store = serve("store", StoreServices.grpcService(backend));
    ManagedChannel storeForIpam = client(store);
    ManagedChannel storeForController = client(store);
    ExecutorService ipamWorkers = Executors.newFixedThreadPool(2);
    closers.add(ipamWorkers::shutdownNow);
    // as IpamServer does: a group-commit drain's store calls join the trace of the request that started it
    ManagedChannel ipam = client(serve("ipam", new IpamGrpcService(new IpamService(new StoreKv(new StoreClient(storeForIpam)),
        IpamConfig.defaults(), io.opentelemetry.context.Context.taskWrapping(ipamWorkers), IpamMetrics.none()))));
    metrics = new ControllerMetrics(registry);
    ControllerCore core = new ControllerCore(new StoreClient(storeForController),
        new GrpcAddressAllocator(ipam, Duration.ofSeconds(10)), DriverRegistry.builtIn(),
        new PortAllocator(40000, 40002), Duration.ofSeconds(5), metrics);
    closers.add(core::close);
    String name = "cnmt-controller-" + UUID.randomUUID();
    InProcessServerBuilder sb = InProcessServerBuilder.forName(name);
    core.services().forEach(s -> sb.addService(ServerInterceptors.intercept(s, new TracingServerInterceptor(telemetry))));
    sb.intercept(GrpcErrors.serverInterceptor()); // as CnmServer serves them: errors mapped once
    Server controller = sb.build().start();
    closers.add(controller::shutdownNow);
    // the test's own calls carry no trace context: the controller's server spans are roots
    ManagedChannel plain = InProcessChannelBuilder.forName(name).build();
    closers.add(plain::shutdownNow);
    api = NetworkControllerGrpc.newBlockingStub(plain);
    agent = new AgentSession(plain, RegisterNode.newBuilder().setNode("node1").setAdvertiseAddress("127.0.0.1")
        .addCapabilities("bridge").build(), JoinTraceTest::acceptAll).tracer(telemetry.tracer()).start();
    await().atMost(Duration.ofSeconds(10)).until(() -> core.sessions().isConnected("node1"));
  }

  /** Applies nothing; reports each sandbox with a namespace path, as the real agent would. */
  private static List<ObjectStatus> acceptAll(DesiredState s) {
    List<ObjectStatus> out = new ArrayList<>();
    for (NodeSandbox sb : s.getSandboxesList()) {
      out.add(ObjectStatus.newBuilder().setKind(ObjectKind.OBJECT_KIND_SANDBOX).setId(sb.getId())
          .setKey("/run/cnmt/netns/" + sb.getId()).build());
    }
    return out;
  }

  private String serve(String what, BindableService service) throws Exception {
    String name = "cnmt-" + what + "-" + UUID.randomUUID();
    Server server = InProcessServerBuilder.forName(name).addService(ServerInterceptors.intercept(service,
        GrpcErrors.serverInterceptor(), new TracingServerInterceptor(telemetry))).build().start();
    closers.add(server::shutdownNow);
    return name;
  }

  /** A traced channel to the in-process server {@code name}. */
  private ManagedChannel client(String name) {
    ManagedChannel ch = InProcessChannelBuilder.forName(name).intercept(new TracingClientInterceptor(telemetry))
        .build();
    closers.add(ch::shutdownNow);
    return ch;
  }

  @AfterEach
  void stop() throws Exception {
    if (agent != null) {
      agent.close();
    }
    for (int i = closers.size() - 1; i >= 0; i--) {
      closers.get(i).close();
    }
  }

  @Test
  void attach_tracesEachControllerCallThroughIpamTheStoreAndTheAgent() {
    api.createNetwork(Api.bridge("network1", "10.60.0.0/24"));
    api.createEndpoint(Api.endpoint("network1", Endpoint.newBuilder().setName("ep1")));
    api.createSandbox(Api.sandbox("container1", "node1"));
    api.join(JoinRequest.newBuilder().setEndpoint("ep1").setSandbox("container1").build());

    SpanData join = awaitServerSpan("cnm.v1.NetworkController/Join");
    SpanData createEndpoint = awaitServerSpan("cnm.v1.NetworkController/CreateEndpoint");
    Map<String, SpanData> byId = spans.getFinishedSpanItems().stream()
        .collect(Collectors.toMap(SpanData::getSpanId, Function.identity(), (a, b) -> a));

    // Join: root of its trace; the controller's store calls (client and store server spans) and
    // the agent's apply of the snapshot it published descend from it by parent span ids
    assertThat(join.getParentSpanContext().isValid()).isFalse();
    List<SpanData> underJoin = descendants(join, byId);
    assertThat(underJoin).filteredOn(s -> s.getName().startsWith("cnm.v1.Store/") && s.getKind() == SpanKind.CLIENT)
        .isNotEmpty();
    assertThat(underJoin).filteredOn(s -> s.getName().equals("cnm.v1.Store/Txn") && s.getKind() == SpanKind.SERVER)
        .isNotEmpty();
    assertThat(underJoin).filteredOn(s -> s.getName().equals("cnm.agent/ApplySnapshot"))
        .singleElement().satisfies(a -> {
          assertThat(a.getParentSpanId()).isEqualTo(join.getSpanId());
          assertThat(a.getTraceId()).isEqualTo(join.getTraceId());
        });

    // Join does not call IPAM (addresses are allocated at CreateEndpoint), so the IPAM leg of the
    // attach is CreateEndpoint's trace: controller -> IPAM client -> IPAM server (-> store)
    assertThat(createEndpoint.getParentSpanContext().isValid()).isFalse();
    List<SpanData> underCreate = descendants(createEndpoint, byId);
    assertThat(underCreate).filteredOn(s -> s.getName().startsWith("cnm.v1.Ipam/") && s.getKind() == SpanKind.SERVER)
        .isNotEmpty().allSatisfy(s -> assertThat(byId.get(s.getParentSpanId()).getKind()).isEqualTo(SpanKind.CLIENT));
    assertThat(underCreate).filteredOn(s -> s.getName().startsWith("cnm.v1.Store/") && s.getKind() == SpanKind.SERVER)
        .isNotEmpty();
    SpanData ipamServer = underCreate.stream()
        .filter(s -> s.getName().startsWith("cnm.v1.Ipam/") && s.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
    assertThat(descendants(ipamServer, byId)).extracting(SpanData::getName).contains("cnm.v1.Store/Txn");
  }

  @Test
  void attach_recordsJoinLatencyAcksAndNoVersionLag() {
    api.createNetwork(Api.bridge("network1", "10.61.0.0/24"));
    api.createEndpoint(Api.endpoint("network1", Endpoint.newBuilder().setName("ep1")));
    api.createSandbox(Api.sandbox("container1", "node1"));
    api.join(JoinRequest.newBuilder().setEndpoint("ep1").setSandbox("container1").build());

    String text = registry.scrape();
    assertThat(text).contains("cnm_controller_join_duration_seconds_count{outcome=\"ok\"} 1");
    assertThat(text).contains("cnm_controller_join_duration_seconds_bucket{outcome=\"ok\",le=");
    assertThat(text).contains("cnm_controller_agents_connected 1.0");
    assertThat(text).contains("cnm_controller_desired_version_lag{node=\"node1\"} 0.0");
    assertThat(registry.get("cnm.controller.snapshot.acks").counter().count()).isGreaterThanOrEqualTo(2);
    assertThat(registry.get("cnm.controller.snapshot.nacks").counter().count()).isZero();
  }

  private SpanData awaitServerSpan(String name) {
    await().atMost(Duration.ofSeconds(10)).until(() -> spans.getFinishedSpanItems().stream()
        .anyMatch(s -> s.getName().equals(name) && s.getKind() == SpanKind.SERVER));
    return spans.getFinishedSpanItems().stream()
        .filter(s -> s.getName().equals(name) && s.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
  }

  /** Every finished span whose chain of parent span ids reaches {@code root}. */
  private static List<SpanData> descendants(SpanData root, Map<String, SpanData> byId) {
    List<SpanData> out = new ArrayList<>();
    for (SpanData s : byId.values()) {
      SpanData p = byId.get(s.getParentSpanId());
      while (p != null && p != root) {
        p = byId.get(p.getParentSpanId());
      }
      if (p == root) {
        out.add(s);
      }
    }
    return out;
  }
}
