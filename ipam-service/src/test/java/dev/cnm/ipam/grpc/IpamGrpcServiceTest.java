package dev.cnm.ipam.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.cnm.api.v1.GetDefaultAddressSpacesRequest;
import dev.cnm.api.v1.IpamGrpc;
import dev.cnm.api.v1.ReleaseIdRequest;
import dev.cnm.api.v1.ReleasePoolRequest;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Bad input through the gRPC API: a precise status naming the field, and nothing written. */
class IpamGrpcServiceTest {
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final MemoryKv kv = new MemoryKv();
  private Server server;
  private ManagedChannel channel;
  private IpamGrpc.IpamBlockingStub ipam;
  private String poolId;

  @BeforeEach
  void start() throws Exception {
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor()
        .addService(new IpamGrpcService(new IpamService(kv, IpamConfig.defaults(), executor, IpamMetrics.none())))
        .intercept(GrpcErrors.serverInterceptor()) // maps what the service throws, as CnmServer does
        .build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    ipam = IpamGrpc.newBlockingStub(channel);
    poolId = ipam.requestPool(RequestPoolRequest.newBuilder().setPool("10.20.0.0/16").setOwner("net").build())
        .getPool().getId();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
    executor.shutdownNow();
  }

  private void rejects(Status.Code code, String field, Consumer<IpamGrpc.IpamBlockingStub> call) {
    long before = kv.read(java.util.List.of(), java.util.List.of("/")).revision();
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> call.accept(ipam));
    assertThat(e).as("call must fail").isNotNull();
    assertThat(e.getStatus().getCode()).isEqualTo(code);
    CnmException cnm = GrpcErrors.fromStatus(e);
    if (field != null) {
      assertThat(cnm.metadata()).containsEntry("field", field);
      assertThat(e.getStatus().getDescription()).contains(field);
    }
    assertThat(kv.read(java.util.List.of(), java.util.List.of("/")).revision()).as("nothing written").isEqualTo(before);
  }

  private static RequestPoolRequest.Builder pool(String cidr) {
    return RequestPoolRequest.newBuilder().setPool(cidr).setOwner("n");
  }

  @Test
  void getDefaultAddressSpaces_returnsLibnetworkNames() {
    var r = ipam.getDefaultAddressSpaces(GetDefaultAddressSpacesRequest.getDefaultInstance());
    assertThat(r.getLocalDefaultAddressSpace()).isEqualTo("LocalDefault");
    assertThat(r.getGlobalDefaultAddressSpace()).isEqualTo("GlobalDefault");
  }

  @Test
  void requestPool_unparseableCidr_invalidArgumentNamingPool() {
    rejects(Status.Code.INVALID_ARGUMENT, "pool", s -> s.requestPool(pool("10.1.0.0/33").build()));
    rejects(Status.Code.INVALID_ARGUMENT, "pool", s -> s.requestPool(pool("banana").build()));
  }

  @Test
  void requestPool_v4WithV6True_invalidArgument() {
    rejects(Status.Code.INVALID_ARGUMENT, "pool", s -> s.requestPool(pool("10.30.0.0/16").setV6(true).build()));
  }

  @Test
  void requestPool_v6WithV6False_invalidArgument() {
    rejects(Status.Code.INVALID_ARGUMENT, "pool", s -> s.requestPool(pool("fd00::/64").build()));
  }

  @Test
  void requestPool_slash0_invalidArgument() {
    rejects(Status.Code.INVALID_ARGUMENT, "pool", s -> s.requestPool(pool("0.0.0.0/0").build()));
  }

  @Test
  void requestPool_slash32AndSlash128_invalidArgument() {
    rejects(Status.Code.INVALID_ARGUMENT, "pool", s -> s.requestPool(pool("10.40.0.1/32").build()));
    rejects(Status.Code.INVALID_ARGUMENT, "pool", s -> s.requestPool(pool("fd00::1/128").setV6(true).build()));
  }

  @Test
  void requestPool_unknownAddressSpace_invalidArgument() {
    rejects(Status.Code.INVALID_ARGUMENT, "address_space",
        s -> s.requestPool(pool("10.50.0.0/16").setAddressSpace("Nope").build()));
  }

  @Test
  void requestPool_emptyOwner_invalidArgument() {
    rejects(Status.Code.INVALID_ARGUMENT, "owner", s -> s.requestPool(pool("10.60.0.0/16").setOwner("").build()));
  }

  @Test
  void requestPool_overlap_alreadyExists() {
    rejects(Status.Code.ALREADY_EXISTS, "pool", s -> s.requestPool(pool("10.20.5.0/24").build()));
  }

  @Test
  void requestAddress_preferredOutsidePool_invalidArgument() {
    rejects(Status.Code.INVALID_ARGUMENT, "address", s -> s.requestAddress(RequestAddressRequest.newBuilder()
        .setPoolId(poolId).setAddress("10.21.0.1").setOwner("ep").build()));
  }

  @Test
  void requestAddress_unknownPoolId_notFound() {
    rejects(Status.Code.NOT_FOUND, "pool_id", s -> s.requestAddress(RequestAddressRequest.newBuilder()
        .setPoolId("LocalDefault/10.99.0.0/16").setOwner("ep").build()));
    rejects(Status.Code.NOT_FOUND, "pool_id", s -> s.requestAddress(RequestAddressRequest.newBuilder()
        .setPoolId("garbage").setOwner("ep").build()));
  }

  @Test
  void requestAddress_emptyOwner_invalidArgument() {
    rejects(Status.Code.INVALID_ARGUMENT, "owner", s -> s.requestAddress(RequestAddressRequest.newBuilder()
        .setPoolId(poolId).build()));
  }

  @Test
  void requestAddress_badMac_invalidArgument() {
    rejects(Status.Code.INVALID_ARGUMENT, "mac_address", s -> s.requestAddress(RequestAddressRequest.newBuilder()
        .setPoolId(poolId).setOwner("ep").setMacAddress("zz").build()));
  }

  @Test
  void requestId_outsideRange_invalidArgument() {
    rejects(Status.Code.INVALID_ARGUMENT, "preferred", s -> s.requestId(RequestIdRequest.newBuilder()
        .setSet("vxlan").setPreferred(0).setOwner("n").build()));
    rejects(Status.Code.INVALID_ARGUMENT, "preferred", s -> s.requestId(RequestIdRequest.newBuilder()
        .setSet("vxlan").setPreferred(1L << 24).setOwner("n").build()));
    rejects(Status.Code.INVALID_ARGUMENT, "id", s -> s.releaseId(ReleaseIdRequest.newBuilder()
        .setSet("vxlan").setId(1L << 24).build()));
  }

  @Test
  void requestId_emptyOwnerOrUnknownSet_rejected() {
    rejects(Status.Code.INVALID_ARGUMENT, "owner", s -> s.requestId(RequestIdRequest.newBuilder().setSet("vxlan").build()));
    rejects(Status.Code.NOT_FOUND, "set", s -> s.requestId(RequestIdRequest.newBuilder().setSet("nope").setOwner("n").build()));
  }

  @Test
  void releasePool_emptyOwnerOrWrongOwner_rejected() {
    rejects(Status.Code.INVALID_ARGUMENT, "owner", s -> s.releasePool(ReleasePoolRequest.newBuilder().setPoolId(poolId).build()));
    rejects(Status.Code.FAILED_PRECONDITION, "owner",
        s -> s.releasePool(ReleasePoolRequest.newBuilder().setPoolId(poolId).setOwner("other").build()));
  }

  @Test
  void listPools_paged_returnsEveryPoolOnce() {
    for (int i = 1; i <= 4; i++) {
      ipam.requestPool(pool("10.3" + i + ".0.0/16").build());
    }
    var first = ipam.listPools(dev.cnm.api.v1.ListPoolsRequest.newBuilder().setPageSize(3).build());
    assertThat(first.getPoolsCount()).isEqualTo(3);
    var second = ipam.listPools(dev.cnm.api.v1.ListPoolsRequest.newBuilder().setPageSize(3)
        .setPageToken(first.getNextPageToken()).build());
    assertThat(second.getPoolsCount()).isEqualTo(2);
    assertThat(second.getNextPageToken()).isEmpty();
  }

  @Test
  void listAllocations_macGivenToRequestAddress_shownWithItsAllocation_pagedInAddressOrder() {
    for (int i = 0; i < 3; i++) {
      ipam.requestAddress(RequestAddressRequest.newBuilder().setPoolId(poolId).setOwner("ep-" + i)
          .setMacAddress(i == 1 ? "" : "02:42:AC:11:00:0" + i).build());
    }
    ipam.requestAddress(RequestAddressRequest.newBuilder().setPoolId(poolId).setOwner("gw")
        .setAddress("10.20.255.254").setKind(dev.cnm.api.v1.AddressKind.ADDRESS_KIND_GATEWAY).build());
    var first = ipam.listAllocations(dev.cnm.api.v1.ListAllocationsRequest.newBuilder().setPoolId(poolId)
        .setPageSize(2).build());
    assertThat(first.getAllocationsList()).extracting(a -> a.getAddress() + " " + a.getOwner() + " " + a.getMacAddress())
        .containsExactly("10.20.0.1 ep-0 02:42:ac:11:00:00", "10.20.0.2 ep-1 ");
    var second = ipam.listAllocations(dev.cnm.api.v1.ListAllocationsRequest.newBuilder().setPoolId(poolId)
        .setPageSize(2).setPageToken(first.getNextPageToken()).build());
    assertThat(second.getAllocationsList()).extracting(a -> a.getAddress() + " " + a.getKind() + " " + a.getMacAddress())
        .containsExactly("10.20.0.3 ADDRESS_KIND_ENDPOINT 02:42:ac:11:00:02",
            "10.20.255.254 ADDRESS_KIND_GATEWAY ");
    assertThat(second.getNextPageToken()).isEmpty();
  }

  @Test
  void listAllocations_unknownPoolOrBadPaging_rejected() {
    rejects(Status.Code.NOT_FOUND, "pool_id", s -> s.listAllocations(dev.cnm.api.v1.ListAllocationsRequest.newBuilder()
        .setPoolId("LocalDefault/10.99.0.0/16").build()));
    rejects(Status.Code.INVALID_ARGUMENT, "page_size", s -> s.listAllocations(
        dev.cnm.api.v1.ListAllocationsRequest.newBuilder().setPoolId(poolId).setPageSize(-1).build()));
    rejects(Status.Code.INVALID_ARGUMENT, "page_token", s -> s.listAllocations(
        dev.cnm.api.v1.ListAllocationsRequest.newBuilder().setPoolId(poolId).setPageToken("10.21.0.1").build()));
  }
}
