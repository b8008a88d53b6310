package dev.cnm.controller.domain.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cnm.runtime.errors.CnmException;
import dev.cnm.store.InProcessStore;
import dev.cnm.store.client.StoreClient;
import dev.cnm.store.client.StoreClientMetrics;
import dev.cnm.store.client.StoreConflictException;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one retry policy, over a real in-process store. */
class CachedThenFreshTest {
  @TempDir
  Path dir;
  private InProcessStore store;
  private ObjectRepository repo;
  private SimpleMeterRegistry registry;
  /** Whether each attempt ran on the cached view, in order. */
  private final List<Boolean> views = new ArrayList<>();

  @BeforeEach
  void start() {
    store = InProcessStore.inProcess(dir);
    repo = new ObjectRepository(new StoreClient(store.channel()));
    registry = new SimpleMeterRegistry();
    StoreClientMetrics.use(registry);
  }

  @AfterEach
  void stop() {
    StoreClientMetrics.use(Metrics.globalRegistry);
    repo.close();
    store.close();
  }

  private double retries() {
    return registry.get("cnm.store.client.txn.retries").counter().count();
  }

  @Test
  void run_firstAttemptSucceeds_readsOnlyTheCachedView() {
    String got = CachedThenFresh.run(repo, view -> {
      views.add(view.isCached());
      return Optional.of("done");
    });
    assertThat(got).isEqualTo("done");
    assertThat(views).containsExactly(true);
  }

  @Test
  void run_conflictOnCachedView_retriesOnTheStoresCopyAndCountsARetry() {
    String got = CachedThenFresh.run(repo, view -> {
      views.add(view.isCached());
      if (view.isCached()) {
        throw new StoreConflictException(List.of("/k"));
      }
      return Optional.of("fresh");
    });
    assertThat(got).isEqualTo("fresh");
    assertThat(views).containsExactly(true, false);
    assertThat(retries()).isEqualTo(1);
  }

  @Test
  void run_domainErrorOnCachedView_isDecidedOnTheStoresCopy() {
    String got = CachedThenFresh.run(repo, view -> {
      views.add(view.isCached());
      if (view.isCached()) {
        throw CnmException.notFound("network", "not in memory yet");
      }
      return Optional.of("found");
    });
    assertThat(got).isEqualTo("found");
    assertThat(views).containsExactly(true, false);
    assertThat(retries()).isZero();
  }

  @Test
  void run_domainErrorOnTheStoresCopy_reachesTheCaller() {
    assertThatThrownBy(() -> CachedThenFresh.run(repo, view -> {
      views.add(view.isCached());
      throw CnmException.notFound("network", "no network \"n\"");
    })).isInstanceOf(CnmException.class).hasMessageContaining("no network");
    assertThat(views).containsExactly(true, false);
  }

  @Test
  void run_undecidedOnCachedView_readsTheStoresCopy() {
    String got = CachedThenFresh.run(repo, view -> {
      views.add(view.isCached());
      return view.isCached() ? Optional.empty() : Optional.of("decided");
    });
    assertThat(got).isEqualTo("decided");
    assertThat(views).containsExactly(true, false);
  }

  @Test
  void run_alwaysConflicting_givesUpAfterTheAttemptsWithTheLastConflict() {
    assertThatThrownBy(() -> CachedThenFresh.run(repo, view -> {
      views.add(view.isCached());
      throw new StoreConflictException(List.of("/k" + views.size()));
    })).isInstanceOfSatisfying(StoreConflictException.class,
        e -> assertThat(e.keys()).containsExactly("/k" + CachedThenFresh.ATTEMPTS));
    assertThat(views).hasSize(CachedThenFresh.ATTEMPTS);
    assertThat(views.subList(1, views.size())).containsOnly(false);
    assertThat(retries()).isEqualTo(CachedThenFresh.ATTEMPTS - 1);
  }
}
