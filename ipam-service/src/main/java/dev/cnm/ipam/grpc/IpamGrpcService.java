package dev.cnm.ipam.grpc;

import dev.cnm.api.v1.AddressKind;
import dev.cnm.api.v1.Allocation;
import dev.cnm.api.v1.Freed;
import dev.cnm.api.v1.GetDefaultAddressSpacesRequest;
import dev.cnm.api.v1.GetDefaultAddressSpacesResponse;
import dev.cnm.api.v1.GetPoolRequest;
import dev.cnm.api.v1.IpamGrpc;
import dev.cnm.api.v1.ListAllocationsRequest;
import dev.cnm.api.v1.ListAllocationsResponse;
import dev.cnm.api.v1.ListPoolsRequest;
import dev.cnm.api.v1.ListPoolsResponse;
import dev.cnm.api.v1.Pool;
import dev.cnm.api.v1.ReleaseAddressRequest;
import dev.cnm.api.v1.ReleaseAddressResponse;
import dev.cnm.api.v1.ReleaseIdRequest;
import dev.cnm.api.v1.ReleaseIdResponse;
import dev.cnm.api.v1.ReleasePoolRequest;
import dev.cnm.api.v1.ReleasePoolResponse;
import dev.cnm.api.v1.RequestAddressRequest;
import dev.cnm.api.v1.RequestAddressResponse;
import dev.cnm.api.v1.RequestIdRequest;
import dev.cnm.api.v1.RequestIdResponse;
import dev.cnm.api.v1.RequestPoolRequest;
import dev.cnm.api.v1.RequestPoolResponse;
import dev.cnm.api.v1.SweepRequest;
import dev.cnm.api.v1.SweepResponse;
import dev.cnm.ipam.domain.AllocationKind;
import dev.cnm.ipam.service.Allocations;
import dev.cnm.ipam.service.IpamService;
import dev.cnm.ipam.service.PoolInfo;
import dev.cnm.ipam.service.Sweeper;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.grpc.GrpcErrors;
import io.grpc.stub.StreamObserver;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The gRPC edge of {@link IpamService}: translate and call. What a call throws, the server's
 * error interceptor ({@link GrpcErrors#serverInterceptor()}) maps through the one table; a
 * failed future is mapped here through the same table. Address and id calls complete
 * asynchronously when their batch committed, so no gRPC thread waits on the store.
 */
public final class IpamGrpcService extends IpamGrpc.IpamImplBase {
  private final IpamService ipam;

  public IpamGrpcService(IpamService ipam) {
    this.ipam = ipam;
  }

  @Override
  public void getDefaultAddressSpaces(GetDefaultAddressSpacesRequest request,
      StreamObserver<GetDefaultAddressSpacesResponse> out) {
    out.onNext(GetDefaultAddressSpacesResponse.newBuilder()
        .setLocalDefaultAddressSpace(ipam.config().localSpace())
        .setGlobalDefaultAddressSpace(ipam.config().globalSpace())
        .addAllAddressSpaces(ipam.config().spaces()).build());
    out.onCompleted();
  }

  @Override
  public void requestPool(RequestPoolRequest r, StreamObserver<RequestPoolResponse> out) {
    out.onNext(RequestPoolResponse.newBuilder().setPool(toProto(ipam.pools().requestPool(r.getAddressSpace(),
        r.getPool(), r.getSubPool(), r.getV6(), r.getOptionsMap(), r.getOwner()))).build());
    out.onCompleted();
  }

  @Override
  public void releasePool(ReleasePoolRequest r, StreamObserver<ReleasePoolResponse> out) {
    out.onNext(ReleasePoolResponse.newBuilder()
        .setFreedAddresses(ipam.pools().releasePool(r.getPoolId(), r.getOwner(), r.getForce())).build());
    out.onCompleted();
  }

  @Override
  public void getPool(GetPoolRequest r, StreamObserver<Pool> out) {
    out.onNext(toProto(ipam.pools().getPool(r.getPoolId())));
    out.onCompleted();
  }

  @Override
  public void listPools(ListPoolsRequest r, StreamObserver<ListPoolsResponse> out) {
    if (r.getPageSize() < 0) {
      throw CnmException.invalidArgument("page_size", "must not be negative");
    }
    int size = r.getPageSize() == 0 ? 100 : Math.min(r.getPageSize(), 1000);
    List<PoolInfo> all = ipam.pools().listPools(r.getAddressSpace());
    ListPoolsResponse.Builder b = ListPoolsResponse.newBuilder();
    for (PoolInfo p : all) {
      if (p.id().compareTo(r.getPageToken()) <= 0 && !r.getPageToken().isEmpty()) {
        continue;
      }
      if (b.getPoolsCount() == size) {
        b.setNextPageToken(b.getPools(size - 1).getId());
        break;
      }
      b.addPools(toProto(p));
    }
    out.onNext(b.build());
    out.onCompleted();
  }

  @Override
  public void listAllocations(ListAllocationsRequest r, StreamObserver<ListAllocationsResponse> out) {
    Allocations.Page page = ipam.allocations().list(r.getPoolId(), r.getPageSize(), r.getPageToken());
    ListAllocationsResponse.Builder b = ListAllocationsResponse.newBuilder().setNextPageToken(page.nextPageToken());
    for (Allocations.Info a : page.allocations()) {
      b.addAllocations(Allocation.newBuilder().setAddress(a.address()).setOwner(a.owner()).setKind(kind(a.kind()))
          .setMacAddress(a.mac() == null ? "" : a.mac()));
    }
    out.onNext(b.build());
    out.onCompleted();
  }

  @Override
  public void requestAddress(RequestAddressRequest r, StreamObserver<RequestAddressResponse> out) {
    async(out, () -> ipam.requestAddress(r.getPoolId(), r.getAddress(), kind(r.getKind()), r.getSerial(),
        r.getMacAddress(), r.getOwner()), a -> RequestAddressResponse.newBuilder().setAddress(a.address())
        .setPoolId(a.poolId()).setKind(kind(a.kind())).build());
  }

  @Override
  public void releaseAddress(ReleaseAddressRequest r, StreamObserver<ReleaseAddressResponse> out) {
    async(out, () -> ipam.releaseAddress(r.getPoolId(), r.getAddress(), r.getOwner()),
        owner -> ReleaseAddressResponse.newBuilder().setOwner(owner).build());
  }

  @Override
  public void requestId(RequestIdRequest r, StreamObserver<RequestIdResponse> out) {
    async(out, () -> ipam.requestId(r.getSet(), r.hasPreferred() ? r.getPreferred() : null, r.getOwner(),
        r.getSerial()), id -> RequestIdResponse.newBuilder().setId(id).build());
  }

  @Override
  public void releaseId(ReleaseIdRequest r, StreamObserver<ReleaseIdResponse> out) {
    async(out, () -> ipam.releaseId(r.getSet(), r.getId(), r.getOwner()),
        owner -> ReleaseIdResponse.newBuilder().setOwner(owner).build());
  }

  @Override
  public void sweep(SweepRequest r, StreamObserver<SweepResponse> out) {
    SweepResponse.Builder b = SweepResponse.newBuilder();
    for (Sweeper.Freed f : ipam.sweep(new HashSet<>(r.getLiveOwnersList()), r.getDryRun())) {
      Freed.Builder fb = Freed.newBuilder().setPoolId(f.poolId()).setSet(f.set()).setOwner(f.owner());
      if (f.address() != null) {
        fb.setAddress(f.address());
      } else if (f.id() != null) {
        fb.setId(f.id());
      } else {
        fb.setPool(true);
      }
      b.addFreed(fb);
    }
    out.onNext(b.build());
    out.onCompleted();
  }

  static Pool toProto(PoolInfo p) {
    return Pool.newBuilder().setId(p.id()).setAddressSpace(p.space()).setPool(p.pool()).setSubPool(p.subPool())
        .setV6(p.v6()).putAllOptions(p.options()).setOwner(p.owner()).setSize(p.size()).setAllocated(p.allocated())
        .setFree(p.size() - p.allocated()).setOwnerCount(p.ownerCount()).build();
  }

  private static AllocationKind kind(AddressKind k) {
    return switch (k) {
      case ADDRESS_KIND_GATEWAY -> AllocationKind.GATEWAY;
      case ADDRESS_KIND_AUX -> AllocationKind.AUX;
      default -> AllocationKind.ENDPOINT;
    };
  }

  private static AddressKind kind(AllocationKind k) {
    return switch (k) {
      case GATEWAY -> AddressKind.ADDRESS_KIND_GATEWAY;
      case AUX -> AddressKind.ADDRESS_KIND_AUX;
      case ENDPOINT -> AddressKind.ADDRESS_KIND_ENDPOINT;
    };
  }

  /** Answers when {@code call}'s future completes; what it fails with is mapped here, what it throws by the interceptor. */
  private static <V, T> void async(StreamObserver<T> out, Supplier<CompletableFuture<V>> call, Function<V, T> reply) {
    call.get().whenComplete((v, e) -> {
      if (e != null) {
        out.onError(GrpcErrors.toStatusException(e instanceof CompletionException && e.getCause() != null
            ? e.getCause() : e));
      } else {
        out.onNext(reply.apply(v));
        out.onCompleted();
      }
    });
  }
}
