package dev.cnm.agent.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.api.v1.DesiredState;
import dev.cnm.runtime.tracing.TracingSdk;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import org.junit.jupiter.api.Test;

class SnapshotSpanTest {
  private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  private final OpenTelemetrySdk otel = TracingSdk.withExporter("cnmt-agent", exporter);

  @Test
  void start_withTraceparent_isChildOfTheCarriedSpan() {
    String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    String parent = "00f067aa0ba902b7";
    SnapshotSpan.start(otel.getTracer("t"), DesiredState.newBuilder().setNode("node1").setVersion(7)
        .setTraceparent("00-" + trace + "-" + parent + "-01").build()).end();
    SpanData s = exporter.getFinishedSpanItems().get(0);
    assertThat(s.getName()).isEqualTo(SnapshotSpan.NAME);
    assertThat(s.getTraceId()).isEqualTo(trace);
    assertThat(s.getParentSpanId()).isEqualTo(parent);
    assertThat(s.getAttributes().asMap().toString()).contains("cnm.snapshot.version=7");
  }

  @Test
  void start_withoutTraceparent_startsANewTrace() {
    SnapshotSpan.start(otel.getTracer("t"), DesiredState.newBuilder().setNode("node1").build()).end();
    SpanData s = exporter.getFinishedSpanItems().get(0);
    assertThat(s.getParentSpanContext().isValid()).isFalse();
    assertThat(s.getSpanContext().isValid()).isTrue();
  }
}
