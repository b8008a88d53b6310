package dev.cnm.store.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.StringValue;
import dev.cnm.store.InProcessStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreClientMetricsTest {
  @TempDir Path dir;
  private InProcessStore store;
  private StoreClient client;
  private SimpleMeterRegistry registry;

  @BeforeEach
  void start() {
    store = InProcessStore.inProcess(dir);
    client = new StoreClient(store.channel());
    registry = new SimpleMeterRegistry();
    StoreClientMetrics.use(registry);
  }

  @AfterEach
  void stop() {
    StoreClientMetrics.use(io.micrometer.core.instrument.Metrics.globalRegistry);
    store.close();
  }

  private double count(String name) {
    return registry.get(name).counter().count();
  }

  @Test
  void commit_twoLostRaces_countsTwoConflicts() {
    client.create("/t/a", StringValue.of("taken"));
    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(() -> client.create("/t/a", StringValue.of("again"))) // guard fails: the key exists
          .isInstanceOf(StoreConflictException.class);
    }
    client.create("/t/b", StringValue.of("free"));
    assertThat(count("cnm.store.client.txn.conflicts")).isEqualTo(2);
  }

  @Test
  void retry_counted_onTheRetriesCounter() {
    StoreClientMetrics.retry();
    assertThat(count("cnm.store.client.txn.retries")).isEqualTo(1);
  }
}
