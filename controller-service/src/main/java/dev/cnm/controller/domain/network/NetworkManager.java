package dev.cnm.controller.domain.network;

import com.google.protobuf.StringValue;
import com.google.protobuf.Timestamp;
import dev.cnm.api.v1.ErrorReason;
import dev.cnm.api.v1.IpamConfig;
import dev.cnm.api.v1.IpamPool;
import dev.cnm.api.v1.Network;
import dev.cnm.api.v1.Scope;
import dev.cnm.runtime.ids.Ids;
import dev.cnm.controller.domain.Undo;
import dev.cnm.controller.domain.repository.ObjectRepository;
import dev.cnm.controller.domain.repository.StoreKeys;
import dev.cnm.controller.domain.validation.ObjectNames;
import dev.cnm.controller.driver.DriverRegistry;
import dev.cnm.controller.driver.NetworkDriver;
import dev.cnm.controller.ipam.AddressAllocator;
import dev.cnm.controller.sweep.SweepGate;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.runtime.ids.Ids;
import dev.cnm.store.client.KvObject;
import dev.cnm.store.client.StoreConflictException;
import dev.cnm.store.client.StoreLease;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** CreateNetwork and DeleteNetwork: validate, allocate pools, persist with the name claim, undo on failure. */
public final class NetworkManager {
  private static final Logger LOG = LoggerFactory.getLogger(NetworkManager.class);
  /** How long a fence outlives a controller that died mid-delete. */
  private static final java.time.Duration FENCE_TTL = java.time.Duration.ofSeconds(10);
  private final ObjectRepository repo;
  private final DriverRegistry drivers;
  private final AddressAllocator ipam;
  private final SweepGate sweepGate;

  public NetworkManager(ObjectRepository repo, DriverRegistry drivers, AddressAllocator ipam) {
    this.repo = repo;
    this.drivers = drivers;
    this.ipam = ipam;
    this.sweepGate = new SweepGate(repo);
  }

  public KvObject<Network> create(Network req) {
    for (int attempt = 0; ; attempt++) {
      try {
        return createOnce(req);
      } catch (SweepGate.Raced e) {
        // an IPAM sweep started between the allocations and the commit: they were undone; again
        if (attempt >= SweepGate.Raced.MAX_RETRIES) {
          throw e.error("network");
        }
      }
    }
  }

  private KvObject<Network> createOnce(Network req) {
    String name = ObjectNames.require("network.name", req.getName());
    NetworkRules.check(req);
    NetworkDriver driver = drivers.require("network.driver", req.getDriver().isEmpty() ? "bridge" : req.getDriver());
    String id = Ids.newId();
    Map<String, String> options = new java.util.LinkedHashMap<>(driver.networkOptions(id, req));
    NetworkPlan plan = NetworkPlan.validate(req, driver);
    String nameKey = StoreKeys.name(ObjectRepository.scopeName(driver.scope()), "network", name);

    List<KvObject<Network>> existing = repo.networks();
    for (KvObject<Network> n : existing) {
      if (n.value().getName().equals(name)) {
        throw nameTaken(name);
      }
      if (driver.singleInstance() && n.value().getDriver().equals(driver.name())) {
        throw new CnmException(ErrorKind.FAILED_PRECONDITION, ErrorReason.SINGLE_INSTANCE_DRIVER,
            "network.driver: only one network of driver \"" + driver.name() + "\" may exist (\""
                + n.value().getName() + "\" does)", Map.of("field", "network.driver"), null);
      }
    }
    if (driver.scope() != Scope.SCOPE_GLOBAL) {
      // only against networks of the same address space; global pools: IPAM's global space
      // refuses an overlap itself (ALREADY_EXISTS naming the other pool)
      plan.checkNoOverlap(existing.stream().filter(n -> n.value().getScope() != Scope.SCOPE_GLOBAL).toList());
    }

    Network.Builder net = Network.newBuilder().setId(id).setName(name).setDriver(driver.name())
        .setScope(driver.scope()).setInternal(req.getInternal()).setAttachable(req.getAttachable())
        .setEnableIpv6(req.getEnableIpv6()).putAllLabels(req.getLabelsMap())
        .setCreateTime(now());
    long sweepTicket = sweepGate.enter();
    Undo undo = new Undo();
    try {
      NetworkDriver.IdClaim claim = driver.idClaim(options);
      if (claim != null) {
        options.put(claim.option(), Long.toString(allocateId(claim, id, undo)));
      }
      net.putAllOptions(options);
      if (driver.usesIpam()) {
        IpamConfig.Builder ipamOut = IpamConfig.newBuilder().setDriver("default")
            .putAllOptions(req.getIpam().getOptionsMap());
        boolean global = driver.scope() == Scope.SCOPE_GLOBAL;
        String space = req.getIpam().getAddressSpace();
        AddressAllocator.PoolGrant v4 = reservePool(plan.ipv4(), global, space, false, "network.ipam.ipv4[0]", id, undo);
        ipamOut.setAddressSpace(v4.addressSpace());
        ipamOut.addIpv4(allocateGateway(plan.ipv4(), v4, "network.ipam.ipv4[0]", id));
        if (req.getEnableIpv6()) {
          if (plan.ipv6() == null) {
            throw CnmException.invalidArgument("network.ipam.ipv6", "enable_ipv6 needs an IPv6 subnet");
          }
          AddressAllocator.PoolGrant v6 = reservePool(plan.ipv6(), global, space, true, "network.ipam.ipv6[0]", id, undo);
          ipamOut.addIpv6(allocateGateway(plan.ipv6(), v6, "network.ipam.ipv6[0]", id));
        }
        net.setIpam(ipamOut);
      }
      Network value = net.build();
      long rev;
      try {
        // guarded by the IPAM sweep's epoch: a sweep that started since the allocations fails it
        rev = sweepGate.guard(repo.commit(), sweepTicket)
            .create(StoreKeys.network(id), value)
            .create(nameKey, StringValue.of(id))
            .commit();
      } catch (StoreConflictException e) {
        if (sweepGate.moved(sweepTicket)) {
          throw new SweepGate.Raced();
        }
        throw nameTaken(name);
      }
      undo.clear();
      Network stored = value.toBuilder().setRevision(rev).build();
      return new KvObject<>(StoreKeys.network(id), stored, rev, rev, 1, 0);
    } catch (RuntimeException e) {
      undo.run();
      throw e;
    }
  }

  /** Takes the driver's id (overlay: the VNI) from its IPAM id set; undone if a later step fails. */
  private long allocateId(NetworkDriver.IdClaim claim, String owner, Undo undo) {
    long got;
    try {
      got = ipam.requestId(claim.set(), claim.preferred(), owner);
    } catch (CnmException e) {
      throw withField(claim.field(), e);
    }
    undo.push(() -> ipam.releaseId(claim.set(), got, owner));
    return got;
  }

  /** Reserves the pool in the network's address space (empty: the scope's default); undone on failure. */
  private AddressAllocator.PoolGrant reservePool(IpamPool want, boolean global, String space, boolean v6, String field,
      String owner, Undo undo) {
    AddressAllocator.PoolGrant pool;
    try {
      pool = ipam.requestPool(global, space, want.getSubnet(), want.getIpRange(), v6, owner);
    } catch (CnmException e) {
      // IPAM names "address_space" for a space it is not configured with
      throw withField("address_space".equals(e.metadata().get("field")) ? "network.ipam.address_space"
          : field + ".subnet", e);
    }
    undo.push(() -> ipam.releasePool(pool.poolId(), owner));
    return pool;
  }

  /** The gateway and aux addresses of a reserved pool (released with the pool on failure). */
  private IpamPool allocateGateway(IpamPool want, AddressAllocator.PoolGrant pool, String field, String owner) {
    String gw;
    try {
      gw = ipam.requestAddress(pool.poolId(), want.getGateway(), AddressAllocator.Kind.GATEWAY, owner);
    } catch (CnmException e) {
      throw withField(field + ".gateway", e);
    }
    IpamPool.Builder out = want.toBuilder().setSubnet(pool.subnet()).setPoolId(pool.poolId())
        .setGateway(gw.substring(0, gw.indexOf('/') < 0 ? gw.length() : gw.indexOf('/')));
    for (Map.Entry<String, String> aux : want.getAuxAddressesMap().entrySet()) {
      try {
        ipam.requestAddress(pool.poolId(), aux.getValue(), AddressAllocator.Kind.AUX, owner);
      } catch (CnmException e) {
        throw withField(field + ".aux_addresses[" + aux.getKey() + "]", e);
      }
    }
    return out.build();
  }

  /**
   * Deletes a network without endpoints; its pools are released after the store delete. A
   * CreateEndpoint may race with it, so the delete first fences the network (a leased key every
   * endpoint create requires absent), then checks the store for endpoints, then deletes the
   * network and the fence together. Endpoint creates therefore never write the network itself and
   * do not conflict with each other (libnetwork serialises them on a per-network endpoint count).
   * A controller dying in between leaves a fence that goes with its lease.
   */
  public void delete(String ref) {
    KvObject<Network> net = repo.network("network", ref);
    Network n = net.value();
    requireNoEndpoints(repo, n);
    String fence = StoreKeys.networkDeleting(n.getId());
    try (StoreLease lease = repo.store().grantLease(FENCE_TTL)) {
      long fenced = repo.commit().requireRevision(net.key(), net.modRevision())
          .put(fence, StringValue.of(n.getId()), lease.id()).commit();
      requireNoEndpoints(repo.fresh(), n); // one created before the fence
      repo.commit().delete(net).requireRevision(fence, fenced).deleteKey(fence)
          .deleteKey(StoreKeys.name(ObjectRepository.scopeName(n.getScope()), "network", n.getName()))
          .commit();
    }
    // after the atomic delete: what a failed release leaves, the next IPAM sweep frees (the
    // network is no longer in the store)
    for (IpamPool p : n.getIpam().getIpv4List()) {
      releaseQuietly(p, n.getId());
    }
    for (IpamPool p : n.getIpam().getIpv6List()) {
      releaseQuietly(p, n.getId());
    }
    NetworkDriver.IdClaim claim = drivers.require("network.driver", n.getDriver()).idClaim(n.getOptionsMap());
    if (claim != null && claim.preferred() != null) {
      try {
        ipam.releaseId(claim.set(), claim.preferred(), n.getId());
      } catch (RuntimeException e) {
        LOG.warn("releasing id " + claim.preferred() + " of set " + claim.set()
            + " failed; the next IPAM sweep frees it: " + e.getMessage());
      }
    }
  }

  private static void requireNoEndpoints(ObjectRepository view, Network n) {
    if (!view.endpoints(n.getId()).isEmpty()) {
      throw new CnmException(ErrorKind.FAILED_PRECONDITION, ErrorReason.ACTIVE_ENDPOINTS,
          "network \"" + n.getName() + "\" has active endpoints; delete them first",
          Map.of("field", "network", "network_id", n.getId()), null);
    }
  }

  private void releaseQuietly(IpamPool p, String owner) {
    if (p.getPoolId().isEmpty()) {
      return;
    }
    try {
      ipam.releasePool(p.getPoolId(), owner);
    } catch (RuntimeException e) {
      LOG.warn("releasing pool " + p.getPoolId() + " failed; the next IPAM sweep frees it: " + e.getMessage());
    }
  }

  public static CnmException withField(String field, CnmException e) {
    if (e.kind() == ErrorKind.UNAVAILABLE || e.kind() == ErrorKind.INTERNAL) {
      return e;
    }
    Map<String, String> md = new java.util.HashMap<>(e.metadata());
    md.put("field", field);
    return e.withContext(field + ": " + e.getMessage(), md);
  }

  private static CnmException nameTaken(String name) {
    return new CnmException(ErrorKind.ALREADY_EXISTS, ErrorReason.NAME_IN_USE,
        "network.name: a network named \"" + name + "\" already exists", Map.of("field", "network.name"), null);
  }

  public static Timestamp now() {
    Instant t = Instant.now();
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }
}
