package dev.cnm.agent.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cnm.agent.dataplane.ReconcileReport;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentMetricsTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final AgentMetrics metrics = new AgentMetrics(registry);

  private double objects(String action) {
    return registry.get("cnm.agent.reconcile.objects").tag("action", action).counter().count();
  }

  @Test
  void reconcile_withDrift_timesItAndCountsObjectsAndDriftFound() {
    metrics.reconcile("full", () -> new ReconcileReport(List.of("network/n1", "sandbox/s1"), List.of("link/cnm0x"),
        List.of("endpoint/e1"), Map.of()));
    metrics.reconcile("incremental", () -> new ReconcileReport(List.of(), List.of(), List.of(), Map.of()));
    assertThat(registry.get("cnm.agent.reconcile.duration").tag("mode", "full").tag("outcome", "ok").timer().count())
        .isEqualTo(1);
    assertThat(registry.get("cnm.agent.reconcile.duration").tag("mode", "incremental").timer().count()).isEqualTo(1);
    assertThat(objects("created")).isEqualTo(2);
    assertThat(objects("removed")).isEqualTo(1);
    assertThat(objects("drift")).isEqualTo(1);
    assertThat(registry.get("cnm.agent.reconcile.drift.found").counter().count()).isEqualTo(1);
  }

  @Test
  void reconcile_throws_isTimedAsError() {
    assertThatThrownBy(() -> metrics.reconcile("full", () -> {
      throw new IllegalStateException("netlink gone");
    })).hasMessage("netlink gone");
    assertThat(registry.get("cnm.agent.reconcile.duration").tag("outcome", "error").timer().count()).isEqualTo(1);
    assertThat(registry.find("cnm.agent.reconcile.drift.found").counter()).isNull();
  }
}
