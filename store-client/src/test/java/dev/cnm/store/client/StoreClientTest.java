package dev.cnm.store.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.StringValue;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.store.InProcessStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreClientTest {
  @TempDir Path dir;
  private InProcessStore store;
  private StoreClient client;

  @BeforeEach
  void start() {
    store = InProcessStore.inProcess(dir);
    client = new StoreClient(store.channel());
  }

  @AfterEach
  void stop() {
    store.close();
  }

  private static StringValue v(String s) {
    return StringValue.of(s);
  }

  @Test
  void create_thenGet_returnsValueAndRevision() {
    KvObject<StringValue> created = client.create("/t/a", v("one"));
    KvObject<StringValue> read = client.get("/t/a", StringValue.parser()).orElseThrow();
    assertThat(read.value().getValue()).isEqualTo("one");
    assertThat(read.modRevision()).isEqualTo(created.modRevision());
    assertThat(read.version()).isEqualTo(1);
    assertThat(client.get("/t/missing", StringValue.parser())).isEmpty();
  }

  @Test
  void create_existingKey_throwsConflict() {
    client.create("/t/a", v("one"));
    assertThatThrownBy(() -> client.create("/t/a", v("two")))
        .isInstanceOf(StoreConflictException.class)
        .satisfies(e -> assertThat(((CnmException) e).kind()).isEqualTo(ErrorKind.ABORTED));
  }

  @Test
  void update_staleRevision_throwsConflictAndKeepsNewerValue() {
    KvObject<StringValue> first = client.create("/t/a", v("one"));
    KvObject<StringValue> second = client.update(first, v("two"));
    assertThat(second.modRevision()).isGreaterThan(first.modRevision());
    assertThatThrownBy(() -> client.update(first, v("stale"))).isInstanceOf(StoreConflictException.class);
    assertThatThrownBy(() -> client.delete(first)).isInstanceOf(StoreConflictException.class);
    assertThat(client.get("/t/a", StringValue.parser()).orElseThrow().value().getValue()).isEqualTo("two");
    client.delete(second);
    assertThat(client.get("/t/a", StringValue.parser())).isEmpty();
  }

  @Test
  void list_morePagesThanOne_returnsAllInKeyOrder() {
    for (int i = 0; i < 1203; i++) {
      client.put(String.format("/t/list/%05d", i), v("x" + i), 0);
    }
    client.put("/t/lisu", v("outside"), 0);
    List<KvObject<StringValue>> all = client.list("/t/list/", StringValue.parser());
    assertThat(all).hasSize(1203);
    assertThat(all.get(0).key()).isEqualTo("/t/list/00000");
    assertThat(all.get(1202).value().getValue()).isEqualTo("x1202");
    ListPage<StringValue> page = client.listPage("/t/list/", StringValue.parser(), 1000, null);
    assertThat(page.items()).hasSize(1000);
    client.put("/t/list/99999", v("after"), 0);
    ListPage<StringValue> rest = client.listPage("/t/list/", StringValue.parser(), 1000, page.next().orElseThrow());
    assertThat(rest.items()).hasSize(203); // read at the first page's revision: the later key is not seen
    assertThat(rest.next()).isEmpty();
  }

  @Test
  void txn_objectAndNameClaim_allOrNothing() {
    client.txn().create("/t/obj/1", v("net")).create("/t/name/a", v("1")).commit();
    assertThatThrownBy(() -> client.txn().create("/t/obj/2", v("net2")).create("/t/name/a", v("2")).commit())
        .isInstanceOf(StoreConflictException.class);
    assertThat(client.get("/t/obj/2", StringValue.parser())).isEmpty();
  }

  @Test
  void watch_prefix_deliversChangesInOrder() throws Exception {
    List<WatchEvent> seen = new CopyOnWriteArrayList<>();
    CountDownLatch three = new CountDownLatch(3);
    try (StoreWatch w = client.watch("/t/w/", 0, (rev, events) -> {
      seen.addAll(events);
      events.forEach(e -> three.countDown());
    })) {
      Thread.sleep(200);
      KvObject<StringValue> a = client.create("/t/w/a", v("1"));
      client.update(a, v("2"));
      client.put("/t/other", v("x"), 0);
      client.deleteKey("/t/w/a");
      assertThat(three.await(10, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(seen).extracting(WatchEvent::deleted).containsExactly(false, false, true);
    assertThat(seen.get(1).value(StringValue.parser()).getValue()).isEqualTo("2");
    assertThat(seen.get(1).prevKv()).isPresent();
  }

  @Test
  void lease_closed_deletesItsKeys() {
    StoreLease lease = client.grantLease(Duration.ofSeconds(5));
    client.create("/t/node/a", v("up"), lease.id());
    lease.close();
    assertThat(client.get("/t/node/a", StringValue.parser())).isEmpty();
  }

  @Test
  void lease_keptAliveByClient_outlivesTtlAndCloseRevokesIt() throws Exception {
    StoreLease lease = client.grantLease(Duration.ofSeconds(1));
    client.create("/t/node/b", v("up"), lease.id());
    Thread.sleep(2_500);
    assertThat(client.get("/t/node/b", StringValue.parser())).isPresent();
    lease.close();
    assertThat(client.get("/t/node/b", StringValue.parser())).isEmpty();
  }
}
