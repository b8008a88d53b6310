package dev.cnm.ipam.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cnm.ipam.domain.AllocationKind;
import dev.cnm.ipam.domain.IpamConfig;
import dev.cnm.ipam.store.MemoryKv;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class IpamServiceTest {
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final MemoryKv kv = new MemoryKv();
  private final IpamService ipam = new IpamService(kv, IpamConfig.defaults(), executor, IpamMetrics.none());

  @AfterEach
  void stop() {
    executor.shutdownNow();
  }

  private String pool(String cidr) {
    return ipam.pools().requestPool("", cidr, "", false, Map.of(), "net-1").id();
  }

  private String addr(String poolId) {
    return ipam.requestAddress(poolId, "", AllocationKind.ENDPOINT, false, "", "ep").join().address();
  }

  static CnmException error(Supplier<?> call) {
    try {
      Object r = call.get();
      if (r instanceof java.util.concurrent.CompletableFuture<?> f) {
        f.join();
      }
    } catch (CompletionException e) {
      return (CnmException) e.getCause();
    } catch (CnmException e) {
      return e;
    }
    throw new AssertionError("no error");
  }

  @Test
  void requestPool_empty_takesDefaultsInLibnetworkOrder() {
    assertThat(ipam.pools().requestPool("", "", "", false, Map.of(), "a").pool()).isEqualTo("172.17.0.0/16");
    assertThat(ipam.pools().requestPool("", "", "", false, Map.of(), "b").pool()).isEqualTo("172.18.0.0/16");
    assertThat(ipam.pools().requestPool("GlobalDefault", "", "", false, Map.of(), "c").pool()).isEqualTo("10.0.0.0/24");
    assertThat(ipam.pools().requestPool("GlobalDefault", "", "", false, Map.of(), "c").pool()).isEqualTo("10.0.1.0/24");
  }

  @Test
  void requestPool_afterLocal16sUsed_cuts192168Into20s() {
    for (int i = 17; i <= 31; i++) {
      pool("172." + i + ".0.0/16");
    }
    assertThat(ipam.pools().requestPool("", "", "", false, Map.of(), "a").pool()).isEqualTo("192.168.0.0/20");
    assertThat(ipam.pools().requestPool("", "", "", false, Map.of(), "a").pool()).isEqualTo("192.168.16.0/20");
  }

  @Test
  void requestPool_overlapping_alreadyExistsNamingThePool() {
    pool("10.1.0.0/16");
    CnmException e = error(() -> pool("10.1.2.0/24"));
    assertThat(e.kind()).isEqualTo(ErrorKind.ALREADY_EXISTS);
    assertThat(e.metadata()).containsEntry("overlaps", "LocalDefault/10.1.0.0/16");
    assertThat(error(() -> pool("10.0.0.0/8")).metadata()).containsEntry("overlaps", "LocalDefault/10.1.0.0/16");
  }

  @Test
  void requestAddress_nextFree_skipsNetworkAndStopsBeforeBroadcast() {
    String id = pool("10.2.0.0/30");
    assertThat(addr(id)).isEqualTo("10.2.0.1/30");
    assertThat(addr(id)).isEqualTo("10.2.0.2/30");
    CnmException e = error(() -> ipam.requestAddress(id, "", AllocationKind.ENDPOINT, false, "", "ep"));
    assertThat(e.kind()).isEqualTo(ErrorKind.RESOURCE_EXHAUSTED);
    assertThat(e.metadata()).containsEntry("pool_id", id);
    assertThat(error(() -> ipam.requestAddress(id, "10.2.0.3", AllocationKind.ENDPOINT, false, "", "ep")).kind())
        .isEqualTo(ErrorKind.INVALID_ARGUMENT);
  }

  @Test
  void requestAddress_serial_doesNotReuseReleasedUntilWrap() {
    String id = pool("10.3.0.0/29");
    assertThat(ipam.requestAddress(id, "", AllocationKind.ENDPOINT, true, "", "a").join().address()).isEqualTo("10.3.0.1/29");
    assertThat(ipam.requestAddress(id, "", AllocationKind.ENDPOINT, true, "", "a").join().address()).isEqualTo("10.3.0.2/29");
    ipam.releaseAddress(id, "10.3.0.1", "").join();
    List<String> next = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) {
      next.add(ipam.requestAddress(id, "", AllocationKind.ENDPOINT, true, "", "a").join().address());
    }
    assertThat(next).containsExactly("10.3.0.3/29", "10.3.0.4/29", "10.3.0.5/29", "10.3.0.6/29", "10.3.0.1/29");
  }

  @Test
  void requestAddress_notSerial_reusesLowestFree() {
    String id = pool("10.4.0.0/24");
    addr(id);
    addr(id);
    ipam.releaseAddress(id, "10.4.0.1", "").join();
    assertThat(addr(id)).isEqualTo("10.4.0.1/24");
  }

  @Test
  void requestAddress_gatewayAndAux_recordedAndNeverGivenToEndpoints() {
    String id = pool("10.5.0.0/24");
    assertThat(ipam.requestAddress(id, "", AllocationKind.GATEWAY, false, "", "net").join().address()).isEqualTo("10.5.0.1/24");
    ipam.requestAddress(id, "10.5.0.2", AllocationKind.AUX, false, "", "net").join();
    assertThat(addr(id)).isEqualTo("10.5.0.3/24");
    CnmException taken = error(() -> ipam.requestAddress(id, "10.5.0.2", AllocationKind.ENDPOINT, false, "", "x"));
    assertThat(taken.kind()).isEqualTo(ErrorKind.ALREADY_EXISTS);
  }

  @Test
  void subPool_handsOutInsideSubPoolOnly_andSharesParentBitmap() {
    PoolInfo sub = ipam.pools().requestPool("", "10.6.0.0/16", "10.6.7.0/24", false, Map.of(), "net");
    assertThat(sub.id()).isEqualTo("LocalDefault/10.6.0.0/16/10.6.7.0/24");
    assertThat(addr(sub.id())).isEqualTo("10.6.7.0/16");
    assertThat(error(() -> ipam.requestAddress(sub.id(), "10.6.8.1", AllocationKind.ENDPOINT, false, "", "x")).kind())
        .isEqualTo(ErrorKind.INVALID_ARGUMENT);
    assertThat(error(() -> ipam.pools().requestPool("", "10.6.0.0/16", "10.7.0.0/24", false, Map.of(), "n")).metadata())
        .containsEntry("field", "sub_pool");
    assertThat(ipam.pools().getPool(sub.id()).allocated()).isEqualTo(1);
  }

  @Test
  void ipv6_slash64_costsWhatIsAllocated() {
    String id = ipam.pools().requestPool("", "fd00:1::/64", "", true, Map.of(), "n").id();
    assertThat(ipam.requestAddress(id, "", AllocationKind.ENDPOINT, false, "", "a").join().address()).isEqualTo("fd00:1::1/64");
    assertThat(ipam.requestAddress(id, "fd00:1::ffff:1", AllocationKind.ENDPOINT, false, "", "a").join().address())
        .isEqualTo("fd00:1::ffff:1/64");
    assertThat(kv.keys("/cnm/v1/ipam/LocalDefault/blocks/")).hasSize(2);
    PoolInfo info = ipam.pools().getPool(id);
    assertThat(Long.toUnsignedString(info.size())).isEqualTo("18446744073709551614");
    assertThat(info.allocated()).isEqualTo(2);
  }

  @Test
  void releaseAddress_notAllocated_notFound() {
    String id = pool("10.8.0.0/24");
    assertThat(error(() -> ipam.releaseAddress(id, "10.8.0.9", "")).kind()).isEqualTo(ErrorKind.NOT_FOUND);
  }

  @Test
  void releasePool_withAllocations_failedPreconditionUnlessForced() {
    String id = pool("10.9.0.0/24");
    addr(id);
    assertThat(error(() -> ipam.pools().releasePool(id, "net-1", false)).kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION);
    assertThat(addr(id)).isEqualTo("10.9.0.2/24");
    assertThat(ipam.pools().releasePool(id, "net-1", true)).isEqualTo(2);
    assertThat(kv.keys("/cnm/v1/ipam/LocalDefault/blocks/")).isEmpty();
    assertThat(error(() -> ipam.pools().getPool(id)).kind()).isEqualTo(ErrorKind.NOT_FOUND);
    assertThat(pool("10.9.0.0/24")).isEqualTo(id);
  }

  @Test
  void ids_vxlanRangeAndPreferred() {
    assertThat(ipam.requestId("vxlan", null, "n1", false).join()).isEqualTo(4096L);
    assertThat(ipam.requestId("vxlan", 5000L, "n2", false).join()).isEqualTo(5000L);
    assertThat(error(() -> ipam.requestId("vxlan", 5000L, "n3", false)).kind()).isEqualTo(ErrorKind.ALREADY_EXISTS);
    assertThat(error(() -> ipam.requestId("vxlan", 16777216L, "n3", false)).metadata()).containsEntry("field", "preferred");
    assertThat(ipam.releaseId("vxlan", 5000, "n2").join()).isEqualTo("n2");
    assertThat(error(() -> ipam.releaseId("vxlan", 5000, "")).kind()).isEqualTo(ErrorKind.NOT_FOUND);
  }

  @Test
  void sweep_freesOnlyDeadOwners_thenTheirEmptyPools() {
    String id = ipam.pools().requestPool("", "10.10.0.0/24", "", false, Map.of(), "dead-net").id();
    ipam.requestAddress(id, "", AllocationKind.ENDPOINT, false, "", "live-ep").join();
    ipam.requestAddress(id, "", AllocationKind.ENDPOINT, false, "", "dead-ep").join();
    ipam.requestId("vxlan", null, "dead-net", false).join();
    List<Sweeper.Freed> freed = ipam.sweep(Set.of("live-ep"), false);
    assertThat(freed).extracting(Sweeper.Freed::owner).containsExactlyInAnyOrder("dead-ep", "dead-net");
    assertThat(ipam.pools().getPool(id).allocated()).isEqualTo(1);
    ipam.releaseAddress(id, "10.10.0.1", "live-ep").join();
    assertThat(ipam.sweep(Set.of(), false)).extracting(Sweeper.Freed::pool).containsExactly(true);
    assertThat(error(() -> ipam.pools().getPool(id)).kind()).isEqualTo(ErrorKind.NOT_FOUND);
  }

  @Test
  void twoReplicas_oneStore_neverHandOutTheSameAddress() {
    IpamService other = new IpamService(kv, IpamConfig.defaults(), executor, IpamMetrics.none());
    String id = pool("10.11.0.0/20");
    List<java.util.concurrent.CompletableFuture<IpamService.AddressResult>> all = new java.util.ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      IpamService r = i % 2 == 0 ? ipam : other;
      all.add(r.requestAddress(id, "", AllocationKind.ENDPOINT, false, "", "ep" + i));
    }
    Set<String> distinct = new HashSet<>();
    all.forEach(f -> distinct.add(f.join().address()));
    assertThat(distinct).hasSize(2000);
    assertThat(ipam.pools().getPool(id).allocated()).isEqualTo(2000);
    assertThat(kv.txnCount()).isLessThan(2000);
  }

  @Test
  void releaseSubPool_inUse_failedPreconditionThenForceFreesAndDropsImplicitParent() {
    PoolInfo sub = ipam.pools().requestPool("", "10.12.0.0/16", "10.12.1.0/24", false, Map.of(), "net");
    ipam.requestAddress(sub.id(), "", AllocationKind.ENDPOINT, false, "", "ep").join();
    assertThat(error(() -> ipam.pools().releasePool(sub.id(), "net", false)).reason()).isEqualTo("POOL_IN_USE");
    assertThat(error(() -> ipam.pools().getPool("LocalDefault/10.12.0.0/16")).kind()).isEqualTo(ErrorKind.NOT_FOUND);
    assertThat(ipam.pools().releasePool(sub.id(), "net", true)).isEqualTo(1);
    assertThat(kv.keys("/cnm/v1/ipam/LocalDefault/")).containsExactly("/cnm/v1/ipam/LocalDefault/space");
    assertThat(pool("10.12.0.0/20")).isEqualTo("LocalDefault/10.12.0.0/20");
  }

  @Test
  void sweep_dryRun_reportsButFreesNothing() {
    String id = pool("10.13.0.0/24");
    ipam.requestAddress(id, "", AllocationKind.ENDPOINT, false, "", "gone").join();
    assertThat(ipam.sweep(Set.of("net-1"), true)).extracting(Sweeper.Freed::address).containsExactly("10.13.0.1");
    assertThat(ipam.pools().getPool(id).allocated()).isEqualTo(1);
  }

  @Test
  void listPools_bySpace_withUsage() {
    String a = pool("10.14.0.0/24");
    ipam.pools().requestPool("GlobalDefault", "10.15.0.0/24", "", false, Map.of(), "g");
    ipam.requestAddress(a, "", AllocationKind.ENDPOINT, false, "", "x").join();
    List<PoolInfo> local = ipam.pools().listPools("LocalDefault");
    assertThat(local).extracting(PoolInfo::id).containsExactly(a);
    assertThat(local.get(0).allocated()).isEqualTo(1);
    assertThat(local.get(0).size()).isEqualTo(254);
    assertThat(ipam.pools().listPools("")).hasSize(2);
  }

  @Test
  void requestId_serial_doesNotReuseReleasedId() {
    long first = ipam.requestId("vxlan", null, "n", true).join();
    ipam.releaseId("vxlan", first, "n").join();
    assertThat(ipam.requestId("vxlan", null, "n", true).join()).isEqualTo(first + 1);
  }

  @Test
  void requestAddress_mac_persistedWithTheAllocation_andDroppedWithIt() {
    String id = pool("10.9.0.0/24");
    ipam.requestAddress(id, "", AllocationKind.ENDPOINT, false, "02:42:AC:11:00:02", "ep-a").join();
    ipam.requestAddress(id, "10.9.0.9", AllocationKind.ENDPOINT, false, "", "ep-b").join();
    // another replica sees only what the store holds
    IpamService other = new IpamService(kv, IpamConfig.defaults(), executor, IpamMetrics.none());
    assertThat(other.allocations().list(id, 0, "").allocations()).containsExactly(
        new Allocations.Info("10.9.0.1", "ep-a", AllocationKind.ENDPOINT, "02:42:ac:11:00:02"),
        new Allocations.Info("10.9.0.9", "ep-b", AllocationKind.ENDPOINT, null));
    ipam.releaseAddress(id, "10.9.0.1", "ep-a").join();
    other.requestAddress(id, "10.9.0.1", AllocationKind.ENDPOINT, false, "", "ep-c").join();
    assertThat(ipam.allocations().list(id, 0, "").allocations().get(0))
        .isEqualTo(new Allocations.Info("10.9.0.1", "ep-c", AllocationKind.ENDPOINT, null));
  }
}
