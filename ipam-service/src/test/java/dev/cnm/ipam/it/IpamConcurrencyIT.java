package dev.cnm.ipam.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.api.v1.GetPoolRequest;
import dev.cnm.api.v1.RequestAddressRequest;
import dev.cnm.api.v1.RequestPoolRequest;
import dev.cnm.api.v1.SweepRequest;
import dev.cnm.api.v1.SweepResponse;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two ipam-service processes over one store, 16 concurrent clients, 10,000 allocations in a
 * /16: every address distinct, none lost. Then the same with one replica killed (-9) mid-run:
 * no address handed out twice, and what was persisted but never returned is swept.
 */
class IpamConcurrencyIT {
  private static final int CLIENTS = 16;
  private static final int TOTAL = 10_000;

  @ParameterizedTest(name = "etcd={0}")
  @ValueSource(booleans = {false, true})
  void twoReplicas16Clients_10000Allocations_allDistinctNoneLost(boolean etcd) throws Exception {
    try (IpamCluster cluster = IpamCluster.start(etcd)) {
      cluster.startIpam();
      cluster.startIpam();
      String pool = cluster.stub(0).requestPool(RequestPoolRequest.newBuilder().setPool("10.100.0.0/16")
          .setOwner("net").build()).getPool().getId();
      Map<String, String> got = run(cluster, pool, TOTAL, -1);
      assertThat(got).hasSize(TOTAL);
      assertThat(new HashSet<>(got.values())).hasSize(TOTAL);
      assertThat(cluster.stub(1).getPool(GetPoolRequest.newBuilder().setPoolId(pool).build()).getAllocated())
          .isEqualTo(TOTAL);
    }
  }

  @ParameterizedTest(name = "etcd={0}")
  @ValueSource(booleans = {false, true})
  void killOneReplicaMidRun_noDuplicates_andSweepFreesUnreturned(boolean etcd) throws Exception {
    try (IpamCluster cluster = IpamCluster.start(etcd)) {
      cluster.startIpam();
      cluster.startIpam();
      String pool = cluster.stub(0).requestPool(RequestPoolRequest.newBuilder().setPool("10.101.0.0/16")
          .setOwner("net").build()).getPool().getId();
      Map<String, String> got = run(cluster, pool, 4_000, 1_000);
      assertThat(new HashSet<>(got.values())).as("no address handed out twice").hasSize(got.size());
      long persisted = cluster.stub(0).getPool(GetPoolRequest.newBuilder().setPoolId(pool).build()).getAllocated();
      assertThat(persisted).isGreaterThanOrEqualTo(got.size());
      Set<String> live = new HashSet<>(got.keySet());
      live.add("net");
      SweepResponse swept = cluster.stub(0).sweep(SweepRequest.newBuilder().addAllLiveOwners(live).build());
      System.out.printf("etcd=%s: %d returned to clients, %d persisted, %d swept%n", etcd, got.size(), persisted,
          swept.getFreedCount());
      assertThat(swept.getFreedCount()).isEqualTo(persisted - got.size());
      assertThat(cluster.stub(0).getPool(GetPoolRequest.newBuilder().setPoolId(pool).build()).getAllocated())
          .isEqualTo(got.size());
      // the survivor keeps handing out only addresses nobody holds
      Set<String> more = new HashSet<>();
      for (int i = 0; i < 200; i++) {
        more.add(cluster.stub(0).requestAddress(RequestAddressRequest.newBuilder().setPoolId(pool)
            .setOwner("after-" + i).build()).getAddress());
      }
      assertThat(more).hasSize(200).doesNotContainAnyElementsOf(got.values());
    }
  }

  /**
   * Runs CLIENTS threads (odd ones on replica 1) allocating {@code total} addresses; after
   * {@code killAfter} successes replica 1 is killed and its clients move to replica 0.
   * Returns owner → address of every allocation a client received.
   */
  private static Map<String, String> run(IpamCluster cluster, String pool, int total, int killAfter) throws Exception {
    Map<String, String> got = new ConcurrentHashMap<>();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    CountDownLatch killed = new CountDownLatch(killAfter < 0 ? 0 : 1);
    List<Thread> threads = new ArrayList<>();
    List<Throwable> failures = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      int client = c;
      threads.add(new Thread(() -> {
        int replica = client % 2;
        int n;
        while ((n = next.getAndIncrement()) < total) {
          String owner = "c" + client + "-" + n;
          try {
            String address = cluster.stub(replica).requestAddress(RequestAddressRequest.newBuilder()
                .setPoolId(pool).setOwner(owner).build()).getAddress();
            got.put(owner, address);
            if (done.incrementAndGet() == killAfter) {
              try {
                cluster.kill(1);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              killed.countDown();
            }
          } catch (StatusRuntimeException e) {
            if (killAfter < 0 || replica == 0) {
              synchronized (failures) {
                failures.add(e);
              }
              return;
            }
            replica = 0; // the killed replica's clients fail over to the survivor
          }
        }
      }));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    assertThat(failures).isEmpty();
    if (killAfter >= 0) {
      assertThat(killed.getCount()).isZero();
    }
    return got;
  }
}
