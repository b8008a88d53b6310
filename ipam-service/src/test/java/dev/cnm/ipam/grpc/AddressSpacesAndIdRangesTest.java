package dev.cnm.ipam.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.cnm.api.v1.GetDefaultAddressSpacesRequest;
import dev.cnm.api.v1.IpamGrpc;
import dev.cnm.api.v1.ListPoolsRequest;
import dev.cnm.api.v1.Pool;
import dev.cnm.api.v1.ReleaseIdRequest;
import dev.cnm.api.v1.RequestAddressRequest;
import dev.cnm.api.v1.RequestIdRequest;
import dev.cnm.api.v1.RequestPoolRequest;
import dev.cnm.ipam.domain.IpamConfig;
import dev.cnm.ipam.service.IpamMetrics;
import dev.cnm.ipam.service.IpamService;
import dev.cnm.ipam.store.MemoryKv;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.grpc.GrpcErrors;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Operator-defined address spaces (a pool may overlap pools of other spaces) and id sets whose
 * ids may be asked for below their automatic range (VNIs 1..4095 by number).
 */
class AddressSpacesAndIdRangesTest {
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final MemoryKv kv = new MemoryKv();
  private Server server;
  private ManagedChannel channel;
  private IpamGrpc.IpamBlockingStub ipam;

  @BeforeEach
  void start() throws Exception {
    String name = InProcessServerBuilder.generateName();
    IpamConfig config = IpamConfig.defaults().withExtraSpaces(List.of("tenant-a", "tenant-b"));
    server = InProcessServerBuilder.forName(name).directExecutor()
        .addService(new IpamGrpcService(new IpamService(kv, config, executor, IpamMetrics.none())))
        .intercept(GrpcErrors.serverInterceptor()) // maps what the service throws, as CnmServer does
        .build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    ipam = IpamGrpc.newBlockingStub(channel);
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
    executor.shutdownNow();
  }

  private Pool pool(String space, String cidr) {
    return ipam.requestPool(RequestPoolRequest.newBuilder().setAddressSpace(space).setPool(cidr).setOwner("n").build())
        .getPool();
  }

  private long revision() {
    return kv.read(List.of(), List.of("/")).revision();
  }

  private static StatusRuntimeException fails(Status.Code code, String field, ThrowingCallable call) {
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, call);
    assertThat(e).as("call must fail").isNotNull();
    assertThat(e.getStatus().getCode()).isEqualTo(code);
    CnmException cnm = GrpcErrors.fromStatus(e);
    assertThat(cnm.metadata()).containsEntry("field", field);
    return e;
  }

  @Test
  void getDefaultAddressSpaces_listsTheConfiguredExtraSpaces() {
    var r = ipam.getDefaultAddressSpaces(GetDefaultAddressSpacesRequest.getDefaultInstance());
    assertThat(r.getGlobalDefaultAddressSpace()).isEqualTo("GlobalDefault");
    assertThat(r.getAddressSpacesList()).containsExactly("LocalDefault", "GlobalDefault", "tenant-a", "tenant-b");
  }

  @Test
  void requestPool_extraSpace_acceptsAPoolOverlappingOneOfAnotherSpace_andHandsOutTheSameAddresses() {
    Pool global = pool("GlobalDefault", "10.30.0.0/24");
    Pool a = pool("tenant-a", "10.30.0.0/24");
    Pool b = pool("tenant-b", "10.30.0.0/16");
    assertThat(a.getId()).isEqualTo("tenant-a/10.30.0.0/24");
    assertThat(a.getAddressSpace()).isEqualTo("tenant-a");
    assertThat(b.getId()).isEqualTo("tenant-b/10.30.0.0/16");
    for (Pool p : List.of(global, a)) {
      assertThat(ipam.requestAddress(RequestAddressRequest.newBuilder().setPoolId(p.getId()).setAddress("10.30.0.7")
          .setOwner("ep").build()).getAddress()).isEqualTo("10.30.0.7/24");
    }
    assertThat(ipam.listPools(ListPoolsRequest.newBuilder().setAddressSpace("tenant-a").build()).getPoolsList())
        .extracting(Pool::getId).containsExactly("tenant-a/10.30.0.0/24");
    assertThat(ipam.listPools(ListPoolsRequest.getDefaultInstance()).getPoolsList()).extracting(Pool::getId)
        .containsExactlyInAnyOrder("GlobalDefault/10.30.0.0/24", "tenant-a/10.30.0.0/24", "tenant-b/10.30.0.0/16");
  }

  @Test
  void requestPool_overlapInsideAnExtraSpace_isAlreadyExists() {
    pool("tenant-a", "10.31.0.0/16");
    long before = revision();
    StatusRuntimeException e = fails(Status.Code.ALREADY_EXISTS, "pool", () -> pool("tenant-a", "10.31.4.0/24"));
    assertThat(e.getStatus().getDescription()).contains("tenant-a/10.31.0.0/16");
    assertThat(revision()).isEqualTo(before);
  }

  @Test
  void requestPool_extraSpaceWithoutPool_cutsTheGlobalDefaultsIndependently() {
    Pool global = ipam.requestPool(RequestPoolRequest.newBuilder().setAddressSpace("GlobalDefault").setOwner("n")
        .build()).getPool();
    Pool a = ipam.requestPool(RequestPoolRequest.newBuilder().setAddressSpace("tenant-a").setOwner("n")
        .build()).getPool();
    assertThat(global.getPool()).isEqualTo("10.0.0.0/24");
    assertThat(a.getPool()).isEqualTo("10.0.0.0/24");
  }

  @Test
  void requestPool_unconfiguredSpace_isInvalidArgumentNamingAddressSpace_andNothingIsWritten() {
    long before = revision();
    StatusRuntimeException e = fails(Status.Code.INVALID_ARGUMENT, "address_space", () -> pool("tenant-c", "10.32.0.0/24"));
    assertThat(e.getStatus().getDescription()).contains("tenant-c").contains("tenant-a");
    fails(Status.Code.INVALID_ARGUMENT, "address_space",
        () -> ipam.listPools(ListPoolsRequest.newBuilder().setAddressSpace("tenant-c").build()));
    assertThat(revision()).isEqualTo(before);
  }

  @Test
  void requestId_preferredBelowTheAutomaticRange_isGranted_thenAlreadyExists() {
    long vni = ipam.requestId(RequestIdRequest.newBuilder().setSet("vxlan").setPreferred(100).setOwner("n1").build())
        .getId();
    assertThat(vni).isEqualTo(100L);
    assertThat(ipam.requestId(RequestIdRequest.newBuilder().setSet("vxlan").setPreferred(1).setOwner("n1").build())
        .getId()).isEqualTo(1L);
    long before = revision();
    fails(Status.Code.ALREADY_EXISTS, "preferred",
        () -> ipam.requestId(RequestIdRequest.newBuilder().setSet("vxlan").setPreferred(100).setOwner("n2").build()));
    assertThat(revision()).isEqualTo(before);
    assertThat(ipam.releaseId(ReleaseIdRequest.newBuilder().setSet("vxlan").setId(100).build()).getOwner())
        .isEqualTo("n1");
  }

  @Test
  void requestId_automatic_staysAtOrAbove4096_evenWithLowIdsTaken() {
    ipam.requestId(RequestIdRequest.newBuilder().setSet("vxlan").setPreferred(4095).setOwner("n").build());
    for (int i = 0; i < 3; i++) {
      long id = ipam.requestId(RequestIdRequest.newBuilder().setSet("vxlan").setOwner("n").setSerial(true).build())
          .getId();
      assertThat(id).isEqualTo(4096L + i);
    }
  }
}
