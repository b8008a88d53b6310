package dev.cnm.controller.ipam;

import dev.cnm.api.v1.AddressKind;
import dev.cnm.api.v1.Freed;
import dev.cnm.api.v1.GetDefaultAddressSpacesRequest;
import dev.cnm.api.v1.GetDefaultAddressSpacesResponse;
import dev.cnm.api.v1.IpamGrpc;
import dev.cnm.api.v1.ReleaseAddressRequest;
import dev.cnm.api.v1.ReleaseIdRequest;
import dev.cnm.api.v1.ReleasePoolRequest;
import dev.cnm.api.v1.RequestAddressRequest;
import dev.cnm.api.v1.RequestIdRequest;
import dev.cnm.api.v1.RequestPoolRequest;
import dev.cnm.api.v1.RequestPoolResponse;
import dev.cnm.api.v1.SweepRequest;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.runtime.grpc.GrpcErrors;
import io.grpc.Channel;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** {@link AddressAllocator} over the cnm.v1.Ipam gRPC service. */
public final class GrpcAddressAllocator implements AddressAllocator {
  private static final Duration SWEEP_TIMEOUT = Duration.ofSeconds(10);
  private final IpamGrpc.IpamBlockingStub stub;
  private final Duration timeout;
  private volatile GetDefaultAddressSpacesResponse spaces;

  public GrpcAddressAllocator(Channel channel, Duration timeout) {
    this.stub = IpamGrpc.newBlockingStub(channel);
    this.timeout = timeout;
  }

  private IpamGrpc.IpamBlockingStub stub() {
    return stub.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private String space(boolean global) {
    GetDefaultAddressSpacesResponse s = spaces;
    if (s == null) {
      s = call(() -> stub().getDefaultAddressSpaces(GetDefaultAddressSpacesRequest.getDefaultInstance()));
      spaces = s;
    }
    return global ? s.getGlobalDefaultAddressSpace() : s.getLocalDefaultAddressSpace();
  }

  @Override
  public PoolGrant requestPool(boolean global, String addressSpace, String subnet, String ipRange, boolean v6,
      String owner) {
    String space = addressSpace == null || addressSpace.isEmpty() ? space(global) : addressSpace;
    RequestPoolRequest req = RequestPoolRequest.newBuilder().setAddressSpace(space)
        .setPool(subnet).setSubPool(ipRange).setV6(v6).setOwner(owner).build();
    RequestPoolResponse r = call(() -> stub().requestPool(req));
    return new PoolGrant(r.getPool().getId(), r.getPool().getPool(), r.getPool().getAddressSpace());
  }

  @Override
  public void releasePool(String poolId, String owner) {
    try {
      call(() -> stub().releasePool(ReleasePoolRequest.newBuilder().setPoolId(poolId).setOwner(owner)
          .setForce(true).build()));
    } catch (CnmException e) {
      if (e.kind() != ErrorKind.NOT_FOUND) {
        throw e;
      }
    }
  }

  @Override
  public String requestAddress(String poolId, String address, Kind kind, String owner) {
    AddressKind k = switch (kind) {
      case ENDPOINT -> AddressKind.ADDRESS_KIND_ENDPOINT;
      case GATEWAY -> AddressKind.ADDRESS_KIND_GATEWAY;
      case AUX -> AddressKind.ADDRESS_KIND_AUX;
    };
    return call(() -> stub().requestAddress(RequestAddressRequest.newBuilder().setPoolId(poolId)
        .setAddress(address).setKind(k).setOwner(owner).setSerial(true).build())).getAddress();
  }

  @Override
  public void releaseAddress(String poolId, String address, String owner) {
    try {
      call(() -> stub().releaseAddress(ReleaseAddressRequest.newBuilder().setPoolId(poolId)
          .setAddress(address).setOwner(owner).build()));
    } catch (CnmException e) {
      if (e.kind() != ErrorKind.NOT_FOUND) {
        throw e;
      }
    }
  }

  @Override
  public long requestId(String set, Long preferred, String owner) {
    RequestIdRequest.Builder req = RequestIdRequest.newBuilder().setSet(set).setOwner(owner).setSerial(true);
    if (preferred != null) {
      req.setPreferred(preferred);
    }
    return call(() -> stub().requestId(req.build())).getId();
  }

  @Override
  public void releaseId(String set, long id, String owner) {
    try {
      call(() -> stub().releaseId(ReleaseIdRequest.newBuilder().setSet(set).setId(id).setOwner(owner).build()));
    } catch (CnmException e) {
      if (e.kind() != ErrorKind.NOT_FOUND) {
        throw e;
      }
    }
  }

  @Override
  public List<Freed> sweep(Set<String> liveOwners, boolean dryRun) {
    // a sweep reads every block of every pool: it gets more time than a single allocation
    return call(() -> stub.withDeadlineAfter(Math.max(timeout.toMillis(), SWEEP_TIMEOUT.toMillis()),
        TimeUnit.MILLISECONDS).sweep(SweepRequest.newBuilder().addAllLiveOwners(liveOwners).setDryRun(dryRun)
        .build())).getFreedList();
  }

  private static <R> R call(Supplier<R> rpc) {
    try {
      return rpc.get();
    } catch (io.grpc.StatusRuntimeException e) {
      throw GrpcErrors.fromStatus(e);
    }
  }
}
