package dev.cnm.controller.domain.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.StringValue;
import dev.cnm.api.v1.Network;
import dev.cnm.api.v1.Sandbox;
import dev.cnm.store.InProcessStore;
import dev.cnm.store.client.KvObject;
import dev.cnm.store.client.StoreClient;
import dev.cnm.store.client.StoreConflictException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A repository commit applies its Txn and, only when it succeeded, the same writes to the caches:
 * a read of memory alone right after it returns shows them, whether or not the watch has.
 */
class CommitTest {
  private static final String ID = "a".repeat(64);
  @TempDir
  Path dir;
  private InProcessStore store;
  private StoreClient client;
  private ObjectRepository repo;

  @BeforeEach
  void start() {
    store = InProcessStore.inProcess(dir);
    client = new StoreClient(store.channel());
    repo = new ObjectRepository(client);
    assertThat(repo.cached().networks()).isEmpty(); // loads the caches
    assertThat(repo.cached().sandboxes()).isEmpty();
    assertThat(repo.cachedClaim(StoreKeys.name("local", "sandbox", "c0"))).isEmpty();
  }

  @AfterEach
  void stop() {
    repo.close();
    store.close();
  }

  @Test
  void commit_succeeds_memoryShowsTheWritesAtItsRevision() {
    Sandbox sb = Sandbox.newBuilder().setId(ID).setContainerId("c1").build();
    String claim = StoreKeys.name("local", "sandbox", "c1");
    long rev = repo.commit().create(StoreKeys.sandbox(ID), sb).create(claim, StringValue.of(ID)).commit();

    KvObject<Sandbox> inMemory = repo.sandboxInView(ID).orElseThrow();
    assertThat(inMemory.value()).isEqualTo(sb);
    assertThat(inMemory.modRevision()).isEqualTo(rev);
    assertThat(repo.cachedClaim(claim)).contains(ID);

    long deleted = repo.commit().delete(inMemory).deleteKey(claim).commit();
    assertThat(deleted).isGreaterThan(rev);
    assertThat(repo.sandboxInView(ID)).isEmpty();
    assertThat(repo.cachedClaim(claim)).isEmpty();
  }

  @Test
  void commit_guardFails_throwsConflictAndLeavesTheCachesAsTheyWere() {
    Network net = Network.newBuilder().setId(ID).setName("n").build();
    repo.commit().create(StoreKeys.network(ID), net).commit();
    KvObject<Network> read = repo.cached().networkById(ID).orElseThrow();
    client.update(read, net.toBuilder().setName("changed elsewhere").build());

    assertThatThrownBy(() -> repo.commit().update(read, net.toBuilder().setName("stale").build())
        .create(StoreKeys.sandbox(ID), Sandbox.getDefaultInstance()).commit())
        .isInstanceOf(StoreConflictException.class);
    assertThat(repo.sandboxInView(ID)).isEmpty();
    assertThat(repo.fresh().networkById(ID).orElseThrow().value().getName()).isEqualTo("changed elsewhere");
  }
}
