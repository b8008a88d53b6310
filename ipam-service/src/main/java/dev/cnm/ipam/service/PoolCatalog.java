package dev.cnm.ipam.service;

import dev.cnm.api.v1.ErrorReason;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.cnm.ipam.domain.IpamConfig;
import dev.cnm.ipam.domain.OrdinalMap;
import dev.cnm.ipam.domain.PoolId;
import dev.cnm.ipam.store.BlockCodec;
import dev.cnm.ipam.store.IpamKv;
import dev.cnm.ipam.store.IpamKeys;
import dev.cnm.ipam.store.pb.PoolValue;
import dev.cnm.ipam.store.pb.SpaceValue;
import dev.cnm.ipam.store.pb.SubPoolValue;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.runtime.net.Cidr;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Pools: reserve, release, read. A pool's creation and deletion rewrite its address space's
 * key in the same transaction, guarded by that key's revision, so two replicas can never
 * create overlapping pools. Releasing first marks the pool "releasing" (which every allocation
 * transaction is guarded against), then checks it is empty, then deletes it with its blocks.
 */
public final class PoolCatalog {
  private static final int ATTEMPTS = 32;

  private final IpamKv kv;
  private final IpamConfig config;
  private final IpamService ipam;

  PoolCatalog(IpamKv kv, IpamConfig config, IpamService ipam) {
    this.kv = kv;
    this.config = config;
    this.ipam = ipam;
  }

  public PoolInfo requestPool(String spaceName, String poolText, String subText, boolean v6,
      Map<String, String> options, String owner) {
    Checks.owner(owner);
    String space = spaceName == null || spaceName.isEmpty() ? config.localSpace() : spaceName;
    if (!config.knowsSpace(space)) {
      throw CnmException.invalidArgument("address_space", "unknown address space \"" + space + "\" (known: "
          + String.join(", ", config.spaces()) + ")");
    }
    Cidr pool = poolText == null || poolText.isEmpty() ? null : checkPool(Cidr.parseNetwork("pool", poolText), v6, "pool");
    Cidr sub = null;
    if (subText != null && !subText.isEmpty()) {
      if (pool == null) {
        throw CnmException.invalidArgument("sub_pool", "a sub-pool needs its pool");
      }
      sub = Cidr.parseNetwork("sub_pool", subText);
      if (sub.isIpv6() != v6) {
        throw CnmException.invalidArgument("sub_pool", sub + " is " + (sub.isIpv6() ? "IPv6" : "IPv4") + " but v6 is " + v6);
      }
      if (!pool.contains(sub) || !pool.containsAddress(Cidr.parseAddressHalves("sub_pool", sub.addressAt(0)))) {
        throw CnmException.invalidArgument("sub_pool", sub + " is not inside pool " + pool
            + (pool.contains(sub) ? " (beyond its first 2^64 addresses)" : ""));
      }
    }
    if (pool == null && v6 && config.defaultsOf(space).stream().noneMatch(b -> b.base().isIpv6())) {
      throw CnmException.invalidArgument("pool", "required for IPv6: no default IPv6 pools are configured");
    }
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      IpamKv.Snapshot s = kv.read(List.of(IpamKeys.space(space)), List.of());
      IpamKv.Entry spaceEntry = s.entries().get(IpamKeys.space(space));
      List<Cidr> existing = existing(spaceEntry);
      Cidr master = pool != null ? pool : nextDefault(space, v6, existing);
      String poolKey = IpamKeys.pool(space, master.toString());
      IpamKv.Entry poolEntry = kv.read(List.of(poolKey), List.of()).entries().get(poolKey);
      PoolValue record = poolEntry == null ? null : parsePool(poolEntry);
      PoolId id = new PoolId(space, master, sub);
      boolean ok;
      if (sub != null && record != null) {
        if (record.getReleasing()) {
          throw Checks.failed(ErrorReason.POOL_RELEASING, "pool " + id.master() + " is being released", Map.of("pool_id", id.master().toString()));
        }
        String subCidr = sub.toString();
        if (record.getSubPoolsList().stream().anyMatch(p -> p.getCidr().equals(subCidr))) {
          throw new CnmException(ErrorKind.ALREADY_EXISTS, ErrorReason.POOL_OVERLAPS, "sub_pool: " + id + " already exists",
              Map.of("field", "sub_pool", "overlaps", id.toString()), null);
        }
        PoolValue updated = record.toBuilder().addSubPools(SubPoolValue.newBuilder().setCidr(subCidr).setOwner(owner)
            .putAllOptions(options)).build();
        ok = kv.txn(List.of(new IpamKv.Guard(poolKey, poolEntry.modRevision())),
            List.of(IpamKv.Write.put(poolKey, updated.toByteArray())), List.of()).succeeded();
      } else {
        for (Cidr other : existing) {
          if (other.overlaps(master)) {
            String otherId = space + "/" + other;
            throw new CnmException(ErrorKind.ALREADY_EXISTS, ErrorReason.POOL_OVERLAPS,
                "pool: " + master + " overlaps pool " + otherId, Map.of("field", "pool", "overlaps", otherId), null);
          }
        }
        PoolValue.Builder created = PoolValue.newBuilder().setCidr(master.toString()).setV6(v6);
        if (sub == null) {
          created.setRequested(true).setOwner(owner).putAllOptions(options);
        } else {
          created.addSubPools(SubPoolValue.newBuilder().setCidr(sub.toString()).setOwner(owner).putAllOptions(options));
        }
        SpaceValue.Builder spaceValue = SpaceValue.newBuilder();
        existing.forEach(c -> spaceValue.addPools(c.toString()));
        spaceValue.addPools(master.toString());
        ok = kv.txn(List.of(new IpamKv.Guard(IpamKeys.space(space), spaceEntry == null ? 0 : spaceEntry.modRevision()),
                new IpamKv.Guard(poolKey, 0)),
            List.of(IpamKv.Write.put(IpamKeys.space(space), spaceValue.build().toByteArray()),
                IpamKv.Write.put(poolKey, created.build().toByteArray())), List.of()).succeeded();
      }
      if (ok) {
        OrdinalMap empty = IpamService.newMap(master);
        return new PoolInfo(id.toString(), space, master.toString(), sub == null ? "" : sub.toString(), v6,
            Map.copyOf(options), owner, sizeOf(id, empty), 0, 0);
      }
    }
    throw new CnmException(ErrorKind.ABORTED, ErrorReason.IPAM_CONTENTION, "pool request kept conflicting; retry", Map.of(), null);
  }

  private static Cidr checkPool(Cidr pool, boolean v6, String field) {
    if (pool.isIpv6() != v6) {
      throw CnmException.invalidArgument(field, pool + " is " + (pool.isIpv6() ? "IPv6" : "IPv4") + " but v6 is " + v6);
    }
    if (pool.prefix() == 0) {
      throw CnmException.invalidArgument(field, pool + ": a /0 pool would cover the whole address family");
    }
    if (pool.prefix() == pool.bits()) {
      throw CnmException.invalidArgument(field, pool + " is a single address, not a pool");
    }
    return pool;
  }

  private Cidr nextDefault(String space, boolean v6, List<Cidr> existing) {
    for (IpamConfig.PoolBase base : config.defaultsOf(space)) {
      if (base.base().isIpv6() != v6) {
        continue;
      }
      for (Cidr c = base.base().withPrefix(base.size()); c != null && base.base().contains(c); c = c.next()) {
        Cidr candidate = c;
        if (existing.stream().noneMatch(e -> e.overlaps(candidate))) {
          return candidate;
        }
      }
    }
    throw new CnmException(ErrorKind.RESOURCE_EXHAUSTED, ErrorReason.NO_DEFAULT_POOL,
        "no free default pool left in address space " + space, Map.of("address_space", space), null);
  }

  /**
   * Releases a pool or sub-pool. Returns how many addresses were freed with it (force only).
   */
  public long releasePool(String idText, String owner, boolean force) {
    Checks.owner(owner);
    PoolId id = ipam.poolId(idText);
    String poolKey = IpamKeys.pool(id.space(), id.pool().toString());
    String blocks = IpamKeys.poolBlocksPrefix(id.space(), id.pool().toString());
    String sub = id.sub() == null ? null : id.sub().toString();
    // 1. mark releasing: from now on no allocation in it can commit
    for (int attempt = 0; ; attempt++) {
      IpamKv.Entry e = kv.read(List.of(poolKey), List.of()).entries().get(poolKey);
      PoolValue record = e == null ? null : parsePool(e);
      if (record == null || (sub == null && !record.getRequested())
          || (sub != null && !IpamService.hasSub(record, sub))) {
        throw PoolId.unknown(idText);
      }
      String holder = sub == null ? record.getOwner() : subOf(record, sub).getOwner();
      if (!holder.equals(owner)) {
        throw Checks.failed(ErrorReason.OWNER_MISMATCH, "owner: pool " + id + " is held by " + holder + ", not " + owner,
            Map.of("field", "owner", "holder", holder));
      }
      if (sub == null && record.getSubPoolsCount() > 0 && !force) {
        throw Checks.failed(ErrorReason.POOL_HAS_SUB_POOLS, "pool " + id + " still has " + record.getSubPoolsCount()
            + " sub-pool(s); release them first or force", Map.of("pool_id", id.toString()));
      }
      PoolValue marked = markReleasing(record, sub, true);
      if (kv.txn(List.of(new IpamKv.Guard(poolKey, e.modRevision())), List.of(IpamKv.Write.put(poolKey, marked.toByteArray())),
          List.of()).succeeded()) {
        break;
      }
      if (attempt > ATTEMPTS) {
        throw new CnmException(ErrorKind.ABORTED, ErrorReason.IPAM_CONTENTION, "pool release kept conflicting; retry", Map.of(), null);
      }
    }
    // 2. count what is still allocated in its range
    IpamKv.Snapshot s = kv.read(List.of(poolKey), List.of(blocks));
    OrdinalMap map = mapOf(id, s.entries(), blocks);
    List<OrdinalMap.Allocation> held = map.allocations(id.firstOrdinal(), id.lastOrdinal());
    if (!held.isEmpty() && !force) {
      unmark(poolKey, sub);
      throw Checks.failed(ErrorReason.POOL_IN_USE, "pool " + id + " still has " + held.size()
          + " allocated address(es); release them first or force", Map.of("pool_id", id.toString()));
    }
    // 3. free (sub-pool with force) and delete
    if (sub != null && !held.isEmpty()) {
      List<java.util.concurrent.CompletableFuture<Object>> frees = new ArrayList<>();
      for (OrdinalMap.Allocation a : held) {
        frees.add(ipam.poolWorker(id).submit(new WorkerOp.Sweep(a.ordinal(), a.owner())));
      }
      frees.forEach(java.util.concurrent.CompletableFuture::join);
    }
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      IpamKv.Snapshot now = kv.read(List.of(poolKey, IpamKeys.space(id.space())), List.of());
      IpamKv.Entry pe = now.entries().get(poolKey);
      IpamKv.Entry se = now.entries().get(IpamKeys.space(id.space()));
      PoolValue current = parsePool(pe);
      PoolValue.Builder rest = current.toBuilder().clearSubPools();
      if (sub != null) {
        current.getSubPoolsList().stream().filter(p -> !p.getCidr().equals(sub)).forEach(rest::addSubPools);
      }
      boolean deleteAll = sub == null || (rest.getSubPoolsCount() == 0 && !current.getRequested());
      boolean ok;
      if (deleteAll) {
        SpaceValue.Builder space = SpaceValue.newBuilder();
        existing(se).stream().filter(c -> !c.equals(id.pool())).forEach(c -> space.addPools(c.toString()));
        ok = kv.txn(List.of(new IpamKv.Guard(poolKey, pe.modRevision()),
                new IpamKv.Guard(IpamKeys.space(id.space()), se == null ? 0 : se.modRevision())),
            List.of(IpamKv.Write.delete(poolKey), IpamKv.Write.deletePrefix(blocks),
                IpamKv.Write.put(IpamKeys.space(id.space()), space.build().toByteArray())), List.of()).succeeded();
      } else {
        ok = kv.txn(List.of(new IpamKv.Guard(poolKey, pe.modRevision())),
            List.of(IpamKv.Write.put(poolKey, rest.build().toByteArray())), List.of()).succeeded();
      }
      if (ok) {
        return held.size();
      }
    }
    throw new CnmException(ErrorKind.ABORTED, ErrorReason.IPAM_CONTENTION, "pool release kept conflicting; retry", Map.of(), null);
  }

  /** Clears the releasing mark again (retrying a lost race, e.g. with another release). */
  private void unmark(String poolKey, String sub) {
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      IpamKv.Entry e = kv.read(List.of(poolKey), List.of()).entries().get(poolKey);
      if (e == null) {
        return;
      }
      PoolValue cleared = markReleasing(parsePool(e), sub, false);
      if (kv.txn(List.of(new IpamKv.Guard(poolKey, e.modRevision())), List.of(IpamKv.Write.put(poolKey,
          cleared.toByteArray())), List.of()).succeeded()) {
        return;
      }
    }
  }

  private static PoolValue markReleasing(PoolValue record, String sub, boolean releasing) {
    if (sub == null) {
      return record.toBuilder().setReleasing(releasing).build();
    }
    PoolValue.Builder b = record.toBuilder().clearSubPools();
    for (SubPoolValue p : record.getSubPoolsList()) {
      b.addSubPools(p.getCidr().equals(sub) ? p.toBuilder().setReleasing(releasing).build() : p);
    }
    return b.build();
  }

  private static SubPoolValue subOf(PoolValue record, String sub) {
    return record.getSubPoolsList().stream().filter(p -> p.getCidr().equals(sub)).findFirst().orElseThrow();
  }

  public PoolInfo getPool(String idText) {
    PoolId id = ipam.poolId(idText);
    String poolKey = IpamKeys.pool(id.space(), id.pool().toString());
    String blocks = IpamKeys.poolBlocksPrefix(id.space(), id.pool().toString());
    IpamKv.Snapshot s = kv.read(List.of(poolKey), List.of(blocks));
    IpamKv.Entry e = s.entries().get(poolKey);
    PoolValue record = e == null ? null : parsePool(e);
    String sub = id.sub() == null ? null : id.sub().toString();
    if (record == null || (sub == null && !record.getRequested()) || (sub != null && !IpamService.hasSub(record, sub))) {
      throw PoolId.unknown(idText);
    }
    return info(id, record, mapOf(id, s.entries(), blocks));
  }

  /** Every pool (and sub-pool) of the space, or of every space when {@code space} is empty, by id. */
  public List<PoolInfo> listPools(String space) {
    List<String> spaces = space == null || space.isEmpty() ? config.spaces() : List.of(space);
    if (!spaces.stream().allMatch(config::knowsSpace)) {
      throw CnmException.invalidArgument("address_space", "unknown address space \"" + space + "\"");
    }
    List<PoolInfo> out = new ArrayList<>();
    for (String sp : spaces) {
      IpamKv.Snapshot s = kv.read(List.of(), List.of(IpamKeys.poolsPrefix(sp), IpamKeys.spaceBlocksPrefix(sp)));
      for (IpamKv.Entry e : s.entries().values()) {
        if (!e.key().startsWith(IpamKeys.poolsPrefix(sp))) {
          continue;
        }
        PoolValue record = parsePool(e);
        PoolId master = new PoolId(sp, Cidr.parseNetwork("pool", record.getCidr()), null);
        OrdinalMap map = mapOf(master, s.entries(), IpamKeys.poolBlocksPrefix(sp, record.getCidr()));
        if (record.getRequested()) {
          out.add(info(master, record, map));
        }
        for (SubPoolValue p : record.getSubPoolsList()) {
          out.add(info(new PoolId(sp, master.pool(), Cidr.parseNetwork("sub_pool", p.getCidr())), record, map));
        }
      }
    }
    out.sort(Comparator.comparing(PoolInfo::id));
    return out;
  }

  static PoolInfo info(PoolId id, PoolValue record, OrdinalMap map) {
    Map<String, String> options = record.getOptionsMap();
    String owner = record.getOwner();
    if (id.sub() != null) {
      SubPoolValue p = subOf(record, id.sub().toString());
      options = p.getOptionsMap();
      owner = p.getOwner();
    }
    Set<String> owners = new HashSet<>();
    List<OrdinalMap.Allocation> all = map.allocations(id.firstOrdinal(), id.lastOrdinal());
    all.forEach(a -> owners.add(a.owner()));
    return new PoolInfo(id.toString(), id.space(), id.pool().toString(), id.sub() == null ? "" : id.sub().toString(),
        id.pool().isIpv6(), Map.copyOf(options), owner, sizeOf(id, map), all.size(), owners.size());
  }

  /** Allocatable ordinals in the id's range (unsigned): its length minus reserved ordinals in it. */
  static long sizeOf(PoolId id, OrdinalMap map) {
    long first = id.firstOrdinal();
    long last = id.lastOrdinal();
    long size = last - first + 1;
    if (map.reserved(first)) {
      size--;
    }
    if (last != first && map.reserved(last)) {
      size--;
    }
    return size;
  }

  /** A bitmap for the pool built from the blocks in {@code entries} under {@code blocksPrefix}. */
  static OrdinalMap mapOf(PoolId id, Map<String, IpamKv.Entry> entries, String blocksPrefix) {
    OrdinalMap map = IpamService.newMap(id.pool());
    loadBlocks(map, entries, blocksPrefix);
    return map;
  }

  static void loadBlocks(OrdinalMap map, Map<String, IpamKv.Entry> entries, String blocksPrefix) {
    for (IpamKv.Entry e : entries.values()) {
      if (e.key().startsWith(blocksPrefix)) {
        BlockCodec.decode(e.value(), map.blockAt(IpamKeys.blockIndex(e.key())));
      }
    }
  }

  static List<Cidr> existing(IpamKv.Entry spaceEntry) {
    if (spaceEntry == null) {
      return new ArrayList<>();
    }
    try {
      List<Cidr> out = new ArrayList<>();
      for (String c : SpaceValue.parseFrom(spaceEntry.value()).getPoolsList()) {
        out.add(Cidr.parseNetwork("pool", c));
      }
      return out;
    } catch (InvalidProtocolBufferException ex) {
      throw new CnmException(ErrorKind.INTERNAL, ErrorReason.IPAM_CORRUPT_SPACE, "undecodable " + spaceEntry.key(), Map.of(), ex);
    }
  }

  static PoolValue parsePool(IpamKv.Entry e) {
    try {
      return PoolValue.parseFrom(e.value());
    } catch (InvalidProtocolBufferException ex) {
      throw new CnmException(ErrorKind.INTERNAL, ErrorReason.IPAM_CORRUPT_POOL, "undecodable " + e.key(), Map.of(), ex);
    }
  }
}
