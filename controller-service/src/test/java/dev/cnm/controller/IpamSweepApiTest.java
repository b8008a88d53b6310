package dev.cnm.controller;

import dev.cnm.runtime.grpc.GrpcErrors;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.Freed;
import dev.cnm.api.v1.IpamGrpc;
import dev.cnm.api.v1.Network;
import dev.cnm.api.v1.NetworkControllerGrpc;
import dev.cnm.api.v1.RequestAddressRequest;
import dev.cnm.api.v1.RequestIdRequest;
import dev.cnm.api.v1.SweepIpamRequest;
import dev.cnm.api.v1.SweepIpamResponse;
import dev.cnm.api.v1.SweepRequest;
import dev.cnm.controller.domain.ports.PortAllocator;
import dev.cnm.controller.driver.DriverRegistry;
import dev.cnm.controller.ipam.AddressAllocator;
import dev.cnm.controller.ipam.GrpcAddressAllocator;
import dev.cnm.controller.session.ControllerMetrics;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The controller's IPAM sweep against a real store and a real IPAM service: what no network or
 * endpoint in the store owns is freed, periodically, by one replica at a time, and an address a
 * create allocated but has not committed yet survives a sweep that starts in between.
 */
class IpamSweepApiTest {
  static final Duration WAIT = Duration.ofSeconds(15);
  @TempDir Path dir;
  ControllerFixture f;
  IpamGrpc.IpamBlockingStub ipam;
  ControllerCore core2;
  Server server2;

  @BeforeEach
  void start() throws Exception {
    f = new ControllerFixture(dir);
    ipam = IpamGrpc.newBlockingStub(f.ipamChannel);
  }

  @AfterEach
  void stop() {
    if (server2 != null) {
      server2.shutdownNow();
    }
    if (core2 != null) {
      core2.close();
    }
    f.close();
  }

  /** Every allocation IPAM holds, as "owner" strings (a dry-run sweep with no live owner lists them all). */
  private Set<String> ipamOwners() {
    Set<String> owners = new TreeSet<>();
    for (Freed fr : ipam.sweep(SweepRequest.newBuilder().setDryRun(true).build()).getFreedList()) {
      owners.add(fr.getOwner());
    }
    return owners;
  }

  private Set<String> storeOwners() {
    Set<String> owners = new TreeSet<>();
    f.core.repository().fresh().networks().forEach(n -> owners.add(n.value().getId()));
    f.core.repository().fresh().allEndpoints().forEach(e -> owners.add(e.value().getId()));
    return owners;
  }

  private String allocateDead(String poolId, String owner) {
    return ipam.requestAddress(RequestAddressRequest.newBuilder().setPoolId(poolId).setOwner(owner).build())
        .getAddress();
  }

  private static double freed(ControllerCore core, String kind) {
    var c = core.metrics().registry().find("cnm.controller.ipam.sweep.freed").tag("kind", kind).counter();
    return c == null ? 0 : c.count();
  }

  private ControllerCore replica(AddressAllocator allocator) throws Exception {
    ControllerCore core = new ControllerCore(f.storeClient, allocator, DriverRegistry.builtIn(),
        new PortAllocator(PortAllocator.DEFAULT_LOW, PortAllocator.DEFAULT_HIGH), Duration.ofSeconds(5),
        new ControllerMetrics(new SimpleMeterRegistry()));
    return core;
  }

  @Test
  void periodicSweep_deadOwnersAddressAndVni_freedAndCounted_liveKept() throws Exception {
    Network net = f.api.createNetwork(Api.bridge("sw", "10.240.0.0/24"));
    Endpoint ep = f.api.createEndpoint(Api.endpoint("sw", Endpoint.newBuilder().setName("e1")));
    String poolId = net.getIpam().getIpv4(0).getPoolId();
    allocateDead(poolId, "dead-endpoint-1");
    ipam.requestId(RequestIdRequest.newBuilder().setSet("vxlan").setOwner("dead-network-1").build());

    f.core.startIpamSweeps(Duration.ofMillis(300));
    await().atMost(WAIT).until(() -> ipamOwners().equals(storeOwners()));
    assertThat(ipamOwners()).containsExactlyInAnyOrder(net.getId(), ep.getId());
    await().atMost(WAIT).until(() -> freed(f.core, "address") == 1 && freed(f.core, "id") == 1);

    // periodic, not only at start: a second leak is freed by a later sweep
    allocateDead(poolId, "dead-endpoint-2");
    await().atMost(WAIT).until(() -> freed(f.core, "address") == 2);
    assertThat(ipamOwners()).isEqualTo(storeOwners());
    assertThat(f.core.ipamSweeper().leading()).isTrue();
  }

  @Test
  void sweepIpam_dryRun_listsWithoutFreeing_thenSweepFrees() {
    Network net = f.api.createNetwork(Api.bridge("sw", "10.240.1.0/24"));
    String addr = allocateDead(net.getIpam().getIpv4(0).getPoolId(), "dead-endpoint");

    SweepIpamResponse dry = f.api.sweepIpam(SweepIpamRequest.newBuilder().setDryRun(true).build());
    assertThat(dry.getFreedList()).extracting(Freed::getOwner).containsExactly("dead-endpoint");
    assertThat(dry.getFreed(0).getAddress()).isEqualTo(addr.substring(0, addr.indexOf('/')));
    assertThat(dry.getLiveOwners()).isEqualTo(1);
    assertThat(ipamOwners()).contains("dead-endpoint");
    assertThat(freed(f.core, "address")).isZero();

    SweepIpamResponse real = f.api.sweepIpam(SweepIpamRequest.getDefaultInstance());
    assertThat(real.getFreedList()).extracting(Freed::getOwner).containsExactly("dead-endpoint");
    assertThat(ipamOwners()).containsExactly(net.getId());
    assertThat(freed(f.core, "address")).isEqualTo(1);
  }

  @Test
  void secondReplica_doesNotSweep_whileTheFirstHoldsTheLease_thenTakesOver() throws Exception {
    Network net = f.api.createNetwork(Api.bridge("sw", "10.240.2.0/24"));
    f.api.sweepIpam(SweepIpamRequest.getDefaultInstance()); // replica 1 takes the lease
    assertThat(f.core.ipamSweeper().leading()).isTrue();
    allocateDead(net.getIpam().getIpv4(0).getPoolId(), "dead-endpoint");

    core2 = replica(new GrpcAddressAllocator(f.ipamChannel, Duration.ofSeconds(10)));
    String name = "cnmt-controller2-" + UUID.randomUUID();
    InProcessServerBuilder sb = InProcessServerBuilder.forName(name);
    core2.services().forEach(sb::addService);
    sb.intercept(GrpcErrors.serverInterceptor()); // as CnmServer serves them: errors mapped once
    server2 = sb.build().start();
    var api2 = NetworkControllerGrpc.newBlockingStub(InProcessChannelBuilder.forName(name).build());
    core2.startIpamSweeps(Duration.ofMillis(100));
    Thread.sleep(1000);
    assertThat(core2.ipamSweeper().leading()).isFalse();
    assertThat(ipamOwners()).contains("dead-endpoint");
    assertThat(freed(core2, "address")).isZero();
    Api.assertFails(Status.Code.FAILED_PRECONDITION, "IPAM sweep lease",
        () -> api2.sweepIpam(SweepIpamRequest.getDefaultInstance()));
    assertThat(api2.sweepIpam(SweepIpamRequest.newBuilder().setDryRun(true).build()).getFreedList())
        .extracting(Freed::getOwner).containsExactly("dead-endpoint");

    f.core.ipamSweeper().close(); // revokes the lease: replica 2 takes over and sweeps
    await().atMost(WAIT).until(() -> core2.ipamSweeper().leading() && freed(core2, "address") == 1);
    assertThat(ipamOwners()).containsExactly(net.getId());
  }

  @Test
  void createEndpoint_sweepBetweenAllocationAndCommit_nothingLiveFreed_noLeak() throws Exception {
    Network net = f.api.createNetwork(Api.bridge("sw", "10.240.3.0/24"));
    AtomicBoolean once = new AtomicBoolean(true);
    AtomicReference<CompletableFuture<Void>> sweep = new AtomicReference<>();
    AtomicReference<List<Freed>> sweptMeanwhile = new AtomicReference<>();
    GrpcAddressAllocator real = new GrpcAddressAllocator(f.ipamChannel, Duration.ofSeconds(10));
    // the fault: right after the first endpoint address is allocated, another replica sweeps
    // (and finishes) before the create goes on to commit
    AddressAllocator hooked = new Delegating(real) {
      @Override
      public String requestAddress(String poolId, String address, Kind kind, String owner) {
        String got = super.requestAddress(poolId, address, kind, owner);
        if (kind == Kind.ENDPOINT && once.getAndSet(false)) {
          sweep.set(CompletableFuture.runAsync(() -> sweptMeanwhile.set(f.core.ipamSweeper().sweep(false).freed())));
          sweep.get().join();
        }
        return got;
      }
    };
    core2 = replica(hooked);
    Endpoint ep = core2.endpoints().create("sw", Endpoint.newBuilder().setName("racy").build()).value();

    // the sweep freed the first attempt's address (its owner was not in the store); the create
    // noticed at its commit, undid the attempt and made a new one (a new endpoint id)
    assertThat(sweptMeanwhile.get()).hasSize(1);
    assertThat(sweptMeanwhile.get().get(0).getOwner()).isNotEqualTo(ep.getId()).isNotEqualTo(net.getId());
    assertThat(ipamOwners()).containsExactlyInAnyOrder(net.getId(), ep.getId());
    assertThat(f.api.sweepIpam(SweepIpamRequest.newBuilder().setDryRun(true).build()).getFreedList()).isEmpty();
    // the address the endpoint holds is allocated to it in IPAM
    String addr = ep.getIpv4Address().substring(0, ep.getIpv4Address().indexOf('/'));
    Api.assertFails(Status.Code.ALREADY_EXISTS, null, () -> ipam.requestAddress(RequestAddressRequest.newBuilder()
        .setPoolId(net.getIpam().getIpv4(0).getPoolId()).setAddress(addr).setOwner("someone-else").build()));
  }

  @Test
  void createNetwork_sweepBetweenVniAndCommit_retries_noLeak() throws Exception {
    AtomicBoolean once = new AtomicBoolean(true);
    GrpcAddressAllocator real = new GrpcAddressAllocator(f.ipamChannel, Duration.ofSeconds(10));
    AddressAllocator hooked = new Delegating(real) {
      @Override
      public long requestId(String set, Long preferred, String owner) {
        long got = super.requestId(set, preferred, owner);
        if (once.getAndSet(false)) {
          CompletableFuture.runAsync(() -> f.core.ipamSweeper().sweep(false)).join();
        }
        return got;
      }
    };
    core2 = replica(hooked);
    Network net = core2.networks().create(OverlayNetworkApiTest.overlay("ov", "10.241.0.0/24", Map.of())
        .getNetwork()).value();
    assertThat(once.get()).isFalse();
    assertThat(ipamOwners()).containsExactly(net.getId());
    // the VNI the network records is allocated to it in IPAM
    long vni = f.core.drivers().require("network.driver", "overlay").idClaim(net.getOptionsMap()).preferred();
    Api.assertFails(Status.Code.ALREADY_EXISTS, null, () -> ipam.requestId(RequestIdRequest.newBuilder()
        .setSet("vxlan").setPreferred(vni).setOwner("someone-else").build()));
    assertThat(f.api.sweepIpam(SweepIpamRequest.newBuilder().setDryRun(true).build()).getFreedList()).isEmpty();
  }

  /** Forwards every call to another allocator; tests override one method to inject a fault. */
  static class Delegating implements AddressAllocator {
    private final AddressAllocator d;

    Delegating(AddressAllocator d) {
      this.d = d;
    }

    @Override
    public PoolGrant requestPool(boolean global, String addressSpace, String subnet, String ipRange, boolean v6,
        String owner) {
      return d.requestPool(global, addressSpace, subnet, ipRange, v6, owner);
    }

    @Override
    public void releasePool(String poolId, String owner) {
      d.releasePool(poolId, owner);
    }

    @Override
    public String requestAddress(String poolId, String address, Kind kind, String owner) {
      return d.requestAddress(poolId, address, kind, owner);
    }

    @Override
    public void releaseAddress(String poolId, String address, String owner) {
      d.releaseAddress(poolId, address, owner);
    }

    @Override
    public long requestId(String set, Long preferred, String owner) {
      return d.requestId(set, preferred, owner);
    }

    @Override
    public void releaseId(String set, long id, String owner) {
      d.releaseId(set, id, owner);
    }

    @Override
    public List<Freed> sweep(Set<String> liveOwners, boolean dryRun) {
      return d.sweep(liveOwners, dryRun);
    }
  }
}
