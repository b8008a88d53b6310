package dev.cnm.runtime.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.StringValue;
import dev.cnm.runtime.Telemetry;
import dev.cnm.runtime.config.ServerOptions;
import dev.cnm.runtime.grpc.Channels;
import dev.cnm.runtime.grpc.ClientOptions;
import dev.cnm.runtime.grpc.CnmServer;
import io.grpc.BindableService;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** client → server A → server B over in-process gRPC: one trace, each hop the child of the last. */
class TraceChainTest {
  private static final MethodDescriptor<StringValue, StringValue> HOP =
      MethodDescriptor.<StringValue, StringValue>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("cnm.test.Hop/Call")
          .setRequestMarshaller(ProtoUtils.marshaller(StringValue.getDefaultInstance()))
          .setResponseMarshaller(ProtoUtils.marshaller(StringValue.getDefaultInstance()))
          .build();

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private final OpenTelemetrySdk sdk = TracingSdk.withExporter("trace-test", spans);
  private final Telemetry telemetry = Telemetry.of(sdk, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  private final List<AutoCloseable> resources = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
    sdk.close();
  }

  /** A hop that answers its own name, after calling {@code next} when there is one. */
  private static BindableService hop(String name, Channel next) {
    return () -> ServerServiceDefinition.builder(ServiceDescriptor.newBuilder("cnm.test.Hop").addMethod(HOP).build())
        .addMethod(HOP, ServerCalls.asyncUnaryCall((request, response) -> {
          String value = next == null ? name : name + ">" + call(next);
          response.onNext(StringValue.of(value));
          response.onCompleted();
        }))
        .build();
  }

  private static String call(Channel channel) {
    return ClientCalls.blockingUnaryCall(channel, HOP, CallOptions.DEFAULT, StringValue.of("")).getValue();
  }

  private String startHop(String name, Channel next) throws Exception {
    String address = "inprocess:" + name + "-" + UUID.randomUUID();
    CnmServer server = CnmServer.builder(name, ServerOptions.insecureListeningOn(address))
        .addService(hop(name, next)).telemetry(telemetry).start();
    resources.add(server);
    return address;
  }

  private ManagedChannel channel(String address) {
    ManagedChannel channel = Channels.forTarget(address, ClientOptions.plaintext(telemetry));
    resources.add(() -> channel.shutdownNow());
    return channel;
  }

  @Test
  void call_throughTwoServers_spansShareTraceAndChainParents() throws Exception {
    String b = startHop("b", null);
    String a = startHop("a", channel(b));
    ManagedChannel client = channel(a);
    Span root = telemetry.tracer().spanBuilder("test-root").startSpan();
    String answer;
    try (Scope ignored = root.makeCurrent()) {
      answer = call(client);
    } finally {
      root.end();
    }

    assertThat(answer).isEqualTo("a>b");
    List<SpanData> finished = spans.getFinishedSpanItems();
    assertThat(finished).hasSize(5);
    SpanData rootSpan = only(finished, "test-root", SpanKind.INTERNAL);
    List<SpanData> clients = finished.stream().filter(s -> s.getKind() == SpanKind.CLIENT).toList();
    List<SpanData> servers = finished.stream().filter(s -> s.getKind() == SpanKind.SERVER).toList();
    assertThat(clients).hasSize(2);
    assertThat(servers).hasSize(2);
    assertThat(finished).allSatisfy(s -> assertThat(s.getTraceId()).isEqualTo(rootSpan.getTraceId()));

    // root → client(to A) → server A → client(to B) → server B
    SpanData clientToA = childOf(clients, rootSpan);
    SpanData serverA = childOf(servers, clientToA);
    SpanData clientToB = childOf(clients, serverA);
    SpanData serverB = childOf(servers, clientToB);
    assertThat(serverA.getName()).isEqualTo("cnm.test.Hop/Call");
    assertThat(serverB.getAttributes().asMap().toString()).contains("rpc.grpc.status_code=0", "rpc.system=grpc");
  }

  @Test
  void call_withoutParent_serverSpanIsChildOfClientSpan() throws Exception {
    String b = startHop("b", null);
    ManagedChannel client = channel(b);

    call(client);

    List<SpanData> finished = spans.getFinishedSpanItems();
    assertThat(finished).hasSize(2);
    SpanData clientSpan = only(finished, "cnm.test.Hop/Call", SpanKind.CLIENT);
    SpanData serverSpan = only(finished, "cnm.test.Hop/Call", SpanKind.SERVER);
    assertThat(serverSpan.getParentSpanId()).isEqualTo(clientSpan.getSpanId());
    assertThat(clientSpan.getParentSpanContext().isValid()).isFalse();
  }

  private static SpanData only(List<SpanData> spans, String name, SpanKind kind) {
    List<SpanData> matching = spans.stream().filter(s -> s.getName().equals(name) && s.getKind() == kind).toList();
    assertThat(matching).as(name + " " + kind).hasSize(1);
    return matching.get(0);
  }

  private static SpanData childOf(List<SpanData> candidates, SpanData parent) {
    List<SpanData> children = candidates.stream().filter(s -> s.getParentSpanId().equals(parent.getSpanId())).toList();
    assertThat(children).as("children of " + parent.getName() + " " + parent.getKind()).hasSize(1);
    return children.get(0);
  }
}
