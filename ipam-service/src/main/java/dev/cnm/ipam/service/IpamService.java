package dev.cnm.ipam.service;

import dev.cnm.api.v1.ErrorReason;
import dev.cnm.ipam.domain.AllocationKind;
import dev.cnm.ipam.domain.IpamConfig;
import dev.cnm.ipam.domain.OrdinalMap;
import dev.cnm.ipam.domain.PoolId;
import dev.cnm.ipam.store.IpamKv;
import dev.cnm.ipam.store.IpamKeys;
import dev.cnm.ipam.store.pb.PoolValue;
import dev.cnm.ipam.store.pb.SubPoolValue;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.runtime.net.Cidr;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * cnm's IPAM: pools, addresses and id sets over a store, safe with any number of replicas.
 * Address and id changes go through one {@link PoolWorker} per pool / id set (group commit);
 * pool changes through {@link PoolCatalog}; {@link Sweeper} frees what dead owners hold.
 * Bad arguments fail before anything is read or written.
 */
public final class IpamService {
  /** An allocated address: "ADDRESS/POOL-PREFIX", the pool id, its kind. */
  public record AddressResult(String address, String poolId, AllocationKind kind) { }

  private final IpamKv kv;
  private final IpamConfig config;
  private final Executor executor;
  private final IpamMetrics metrics;
  private final ConcurrentHashMap<String, PoolWorker> workers = new ConcurrentHashMap<>();
  private final PoolCatalog pools;
  private final Allocations allocations;
  private final Sweeper sweeper;

  public IpamService(IpamKv kv, IpamConfig config, Executor executor, IpamMetrics metrics) {
    this.kv = kv;
    this.config = config;
    this.executor = executor;
    this.metrics = metrics;
    this.pools = new PoolCatalog(kv, config, this);
    this.allocations = new Allocations(kv, this);
    this.sweeper = new Sweeper(kv, config, this);
  }

  public IpamConfig config() {
    return config;
  }

  public PoolCatalog pools() {
    return pools;
  }

  public Allocations allocations() {
    return allocations;
  }

  IpamMetrics metrics() {
    return metrics;
  }

  /** Frees whatever owners not in {@code live} hold; returns what was (or would be) freed. */
  public List<Sweeper.Freed> sweep(Set<String> live, boolean dryRun) {
    return sweeper.sweep(live, dryRun);
  }

  /** Parses a pool id of a known address space (NOT_FOUND naming pool_id otherwise). */
  PoolId poolId(String text) {
    PoolId id = PoolId.parse(text == null ? "" : text);
    if (!config.knowsSpace(id.space())) {
      throw PoolId.unknown(text);
    }
    return id;
  }

  public CompletableFuture<AddressResult> requestAddress(String poolIdText, String address, AllocationKind kind,
      boolean serial, String mac, String owner) {
    Checks.owner(owner);
    Checks.mac(mac);
    PoolId id = poolId(poolIdText);
    AllocationKind k = kind == null ? AllocationKind.ENDPOINT : kind;
    OrdinalMap shape = newMap(id.pool());
    long preferred = address == null || address.isEmpty() ? OrdinalMap.NONE : ordinal(id, address, shape);
    Cidr pool = id.pool();
    // stored with the allocation (ListAllocations shows it), in one spelling
    String macText = mac == null || mac.isEmpty() ? null : mac.toLowerCase(java.util.Locale.ROOT);
    WorkerOp op = new WorkerOp.Allocate(scope(id), id.firstOrdinal(), id.lastOrdinal(), preferred, serial, k, owner,
        macText, o -> new CnmException(ErrorKind.ALREADY_EXISTS, ErrorReason.ADDRESS_IN_USE,
            "address: " + pool.addressAt(o) + " is already allocated in " + id,
            Map.of("field", "address", "pool_id", id.toString()), null),
        () -> new CnmException(ErrorKind.RESOURCE_EXHAUSTED, ErrorReason.POOL_EXHAUSTED, "no free address in pool " + id,
            Map.of("pool_id", id.toString()), null));
    long start = System.nanoTime();
    return timed("request_address", start, poolWorker(id).submit(op)
        .thenApply(o -> new AddressResult(pool.addressAt((Long) o) + "/" + pool.prefix(), id.toString(), k)));
  }

  public CompletableFuture<String> releaseAddress(String poolIdText, String address, String owner) {
    PoolId id = poolId(poolIdText);
    long ordinal = ordinal(id, address == null ? "" : address, newMap(id.pool()));
    WorkerOp op = new WorkerOp.Release(scope(id), ordinal, owner, "address " + address + " of " + id);
    long start = System.nanoTime();
    return timed("release_address", start, poolWorker(id).submit(op).thenApply(o -> (String) o));
  }

  public CompletableFuture<Long> requestId(String set, Long preferred, String owner, boolean serial) {
    Checks.owner(owner);
    IpamConfig.IdRange range = idRange(set);
    long pref = OrdinalMap.NONE;
    if (preferred != null) {
      pref = idOrdinal(set, range, preferred, "preferred");
    }
    long size = range.last() - range.first();
    // any id of the set may be asked for by number; automatic ones come from autoFirst on
    WorkerOp op = new WorkerOp.Allocate(null, range.autoFirst() - range.first(), size, pref, serial, AllocationKind.ENDPOINT, owner, null,
        o -> new CnmException(ErrorKind.ALREADY_EXISTS, ErrorReason.ID_IN_USE,
            "preferred: id " + (range.first() + o) + " of set " + set + " is already allocated",
            Map.of("field", "preferred", "set", set), null),
        () -> new CnmException(ErrorKind.RESOURCE_EXHAUSTED, ErrorReason.ID_SET_EXHAUSTED, "no free id in set " + set,
            Map.of("set", set), null));
    long start = System.nanoTime();
    return timed("request_id", start, idWorker(set).submit(op).thenApply(o -> range.first() + (Long) o));
  }

  public CompletableFuture<String> releaseId(String set, long idValue, String owner) {
    IpamConfig.IdRange range = idRange(set);
    long ordinal = idOrdinal(set, range, idValue, "id");
    WorkerOp op = new WorkerOp.Release(null, ordinal, owner, "id " + idValue + " of set " + set);
    long start = System.nanoTime();
    return timed("release_id", start, idWorker(set).submit(op).thenApply(o -> (String) o));
  }

  private <T> CompletableFuture<T> timed(String name, long start, CompletableFuture<T> f) {
    return f.whenComplete((v, e) -> metrics.latency(name, e == null, System.nanoTime() - start));
  }

  IpamConfig.IdRange idRange(String set) {
    IpamConfig.IdRange range = set == null ? null : config.idSets().get(set);
    if (range == null) {
      throw new CnmException(ErrorKind.NOT_FOUND, ErrorReason.ID_SET_NOT_FOUND, "set: no id set \"" + set + "\" (known: "
          + String.join(", ", config.idSets().keySet()) + ")", Map.of("field", "set"), null);
    }
    return range;
  }

  private static long idOrdinal(String set, IpamConfig.IdRange range, long value, String field) {
    if (value < range.first() || value > range.last()) {
      throw CnmException.invalidArgument(field, value + " is outside set " + set + " (" + range.first() + ".."
          + range.last() + ")");
    }
    return value - range.first();
  }

  /** The ordinal of an address of the pool's range, or INVALID_ARGUMENT naming {@code address}. */
  static long ordinal(PoolId id, String address, OrdinalMap shape) {
    if (address.contains("/")) {
      throw CnmException.invalidArgument("address", "\"" + address + "\": give the address without prefix length");
    }
    long[] bits = Cidr.parseAddressHalves("address", address);
    if (!id.pool().containsAddress(bits)) {
      throw CnmException.invalidArgument("address", address + " is outside pool " + id.pool());
    }
    long ordinal = id.pool().ordinalOf(bits);
    if (Long.compareUnsigned(ordinal, id.firstOrdinal()) < 0 || Long.compareUnsigned(ordinal, id.lastOrdinal()) > 0) {
      throw CnmException.invalidArgument("address", address + " is outside sub-pool " + id.sub());
    }
    if (shape.reserved(ordinal)) {
      throw CnmException.invalidArgument("address", address + " is the "
          + (ordinal == 0 ? "network" : "broadcast") + " address of " + id.pool() + " and is never handed out");
    }
    return ordinal;
  }

  /** Checks, against the pool record the worker holds, that the pool (or sub-pool) is usable. */
  private static WorkerOp.Scope scope(PoolId id) {
    String sub = id.sub() == null ? null : id.sub().toString();
    return record -> {
      if (record == null || (sub == null && !record.getRequested())) {
        return PoolId.unknown(id.toString());
      }
      boolean releasing = record.getReleasing();
      if (sub != null) {
        SubPoolValue s = record.getSubPoolsList().stream().filter(p -> p.getCidr().equals(sub)).findFirst().orElse(null);
        if (s == null) {
          return PoolId.unknown(id.toString());
        }
        releasing |= s.getReleasing();
      }
      return releasing ? Checks.failed(ErrorReason.POOL_RELEASING, "pool " + id + " is being released",
          Map.of("pool_id", id.toString())) : null;
    };
  }

  /** An empty bitmap shaped for the pool: reserved network and IPv4 broadcast ordinals. */
  static OrdinalMap newMap(Cidr pool) {
    int host = pool.bits() - pool.prefix();
    return new OrdinalMap(pool.lastOrdinal(), host > 1, !pool.isIpv6() && host > 1);
  }

  PoolWorker poolWorker(PoolId id) {
    PoolId master = id.master();
    return workers.computeIfAbsent("pool:" + master, k -> {
      PoolWorker w = new PoolWorker(kv, IpamKeys.pool(master.space(), master.pool().toString()),
          IpamKeys.poolBlocksPrefix(master.space(), master.pool().toString()), newMap(master.pool()), executor,
          config.txnsInFlight(), metrics);
      double size = Math.max(1, PoolCatalog.sizeOf(master, w.map()));
      metrics.utilisation("pool", master.toString(), () -> w.allocated() / size);
      return w;
    });
  }

  PoolWorker idWorker(String set) {
    IpamConfig.IdRange range = idRange(set);
    return workers.computeIfAbsent("ids:" + set, k -> {
      PoolWorker w = new PoolWorker(kv, null, IpamKeys.idBlocksPrefix(set),
          new OrdinalMap(range.last() - range.first(), false, false), executor, config.txnsInFlight(), metrics);
      double size = range.last() - range.first() + 1.0;
      metrics.utilisation("id_set", set, () -> w.allocated() / size);
      return w;
    });
  }

  static boolean hasSub(PoolValue record, String sub) {
    return record.getSubPoolsList().stream().anyMatch(p -> p.getCidr().equals(sub));
  }
}
