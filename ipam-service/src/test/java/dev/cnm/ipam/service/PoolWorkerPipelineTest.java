package dev.cnm.ipam.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.ipam.domain.AllocationKind;
import dev.cnm.ipam.domain.IpamConfig;
import dev.cnm.ipam.store.IpamKv;
import dev.cnm.ipam.store.MemoryKv;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Pipelined group commit: while one transaction of a pool is in flight, the next requests are
 * committed in another transaction on other blocks; nothing is answered before its own
 * transaction committed, and what needs a busy block waits for it.
 */
class PoolWorkerPipelineTest {
  /** A store whose transactions wait at a gate the test opens; counts who is waiting. */
  static final class GatedKv implements IpamKv {
    final MemoryKv kv = new MemoryKv();
    final Semaphore arrived = new Semaphore(0);
    volatile CountDownLatch gate = new CountDownLatch(0);

    @Override
    public Snapshot read(List<String> keys, List<String> prefixes) {
      return kv.read(keys, prefixes);
    }

    @Override
    public TxnResult txn(List<Guard> guards, List<Write> writes, List<String> readOnFailure) {
      CountDownLatch g = gate;
      arrived.release();
      try {
        g.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return kv.txn(guards, writes, readOnFailure);
    }

    /** On a thread of its own, as a store round trip would be: the gate holds it in flight. */
    @Override
    public CompletableFuture<TxnResult> txnAsync(List<Guard> guards, List<Write> writes, List<String> readOnFailure) {
      return CompletableFuture.supplyAsync(() -> txn(guards, writes, readOnFailure), runnable -> new Thread(runnable).start());
    }
  }

  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final GatedKv kv = new GatedKv();
  // the default (IpamConfig.DEFAULT_TXNS_IN_FLIGHT), spelled out: these tests are about two
  private final IpamService ipam = new IpamService(kv, IpamConfig.defaults().withTxnsInFlight(2), executor,
      IpamMetrics.none());

  @AfterEach
  void stop() {
    kv.gate.countDown();
    executor.shutdownNow();
  }

  private CompletableFuture<IpamService.AddressResult> request(String pool, AllocationKind kind, String owner) {
    return ipam.requestAddress(pool, "", kind, false, "", owner);
  }

  private void awaitTxns(int n) throws InterruptedException {
    assertThat(kv.arrived.tryAcquire(n, 10, TimeUnit.SECONDS)).as(n + " transaction(s) in flight").isTrue();
  }

  @Test
  void requestWhileTxnInFlight_committedInItsOwnTxnOnAnotherBlock_noneAnsweredBeforeItsCommit() throws Exception {
    String pool = ipam.pools().requestPool("", "10.7.0.0/16", "", false, Map.of(), "net").id();
    kv.arrived.drainPermits();
    kv.gate = new CountDownLatch(1);
    CompletableFuture<IpamService.AddressResult> first = request(pool, AllocationKind.ENDPOINT, "ep-0");
    awaitTxns(1);
    CompletableFuture<IpamService.AddressResult> second = request(pool, AllocationKind.ENDPOINT, "ep-1");
    awaitTxns(1);
    // two are in flight (txnsInFlight = 2): the third waits for one of them
    CompletableFuture<IpamService.AddressResult> third = request(pool, AllocationKind.ENDPOINT, "ep-2");
    assertThat(kv.arrived.tryAcquire(300, TimeUnit.MILLISECONDS)).isFalse();
    assertThat(List.of(first, second, third)).noneMatch(CompletableFuture::isDone);
    kv.gate.countDown();
    assertThat(first.get(10, TimeUnit.SECONDS).address()).isEqualTo("10.7.0.1/16");
    // block 0 was busy, so the first free address of block 1
    assertThat(second.get(10, TimeUnit.SECONDS).address()).isEqualTo("10.7.1.0/16");
    assertThat(third.get(10, TimeUnit.SECONDS).address()).isIn("10.7.0.2/16", "10.7.1.1/16");
    IpamService other = new IpamService(kv.kv, IpamConfig.defaults(), executor, IpamMetrics.none());
    assertThat(other.allocations().list(pool, 0, "").allocations()).extracting(Allocations.Info::owner)
        .containsExactlyInAnyOrder("ep-0", "ep-1", "ep-2");
  }

  @Test
  void gatewayAndReleaseOfBusyBlock_waitForTheTxnInFlight() throws Exception {
    String pool = ipam.pools().requestPool("", "10.8.0.0/16", "", false, Map.of(), "net").id();
    request(pool, AllocationKind.ENDPOINT, "ep-0").join();
    kv.arrived.drainPermits();
    kv.gate = new CountDownLatch(1);
    CompletableFuture<IpamService.AddressResult> first = request(pool, AllocationKind.ENDPOINT, "ep-1");
    awaitTxns(1);
    CompletableFuture<String> release = ipam.releaseAddress(pool, "10.8.0.1", "ep-0");
    CompletableFuture<IpamService.AddressResult> gateway = request(pool, AllocationKind.GATEWAY, "net");
    // all need block 0 (the gateway the lowest free address): nothing else may be sent yet
    assertThat(kv.arrived.tryAcquire(300, TimeUnit.MILLISECONDS)).isFalse();
    kv.gate.countDown();
    assertThat(first.get(10, TimeUnit.SECONDS).address()).isEqualTo("10.8.0.2/16");
    assertThat(release.get(10, TimeUnit.SECONDS)).isEqualTo("ep-0");
    assertThat(gateway.get(10, TimeUnit.SECONDS).address()).isEqualTo("10.8.0.1/16");
  }

  @Test
  void oneTxnInFlight_nextBatchWaitsAndStaysInTheLowestBlock() throws Exception {
    IpamService serial = new IpamService(kv, IpamConfig.defaults().withTxnsInFlight(1), executor, IpamMetrics.none());
    String pool = serial.pools().requestPool("", "10.9.0.0/16", "", false, Map.of(), "net").id();
    kv.arrived.drainPermits();
    kv.gate = new CountDownLatch(1);
    CompletableFuture<IpamService.AddressResult> first = serial.requestAddress(pool, "", AllocationKind.ENDPOINT,
        false, "", "ep-0");
    awaitTxns(1);
    CompletableFuture<IpamService.AddressResult> second = serial.requestAddress(pool, "", AllocationKind.ENDPOINT,
        false, "", "ep-1");
    assertThat(kv.arrived.tryAcquire(300, TimeUnit.MILLISECONDS)).isFalse();
    kv.gate.countDown();
    assertThat(first.get(10, TimeUnit.SECONDS).address()).isEqualTo("10.9.0.1/16");
    assertThat(second.get(10, TimeUnit.SECONDS).address()).isEqualTo("10.9.0.2/16");
  }
}
