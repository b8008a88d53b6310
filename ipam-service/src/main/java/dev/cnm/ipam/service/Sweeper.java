package dev.cnm.ipam.service;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Frees what no live owner holds: first addresses and ids (each freed only if the dead owner
 * still holds it when the worker commits, so a concurrent re-allocation is never undone), then
 * pools and sub-pools of dead owners that are empty by then.
 */
public final class Sweeper {
  /** One freed allocation: an address (pool id set), an id (set set), or a whole pool. */
  public record Freed(String address, Long id, boolean pool, String poolId, String set, String owner) { }

  private final IpamKv kv;
  private final IpamConfig config;
  private final IpamService ipam;

  Sweeper(IpamKv kv, IpamConfig config, IpamService ipam) {
    this.kv = kv;
    this.config = config;
    this.ipam = ipam;
  }

  List<Freed> sweep(Set<String> live, boolean dryRun) {
    List<Freed> freed = new ArrayList<>();
    for (String space : config.spaces()) {
      IpamKv.Snapshot s = kv.read(List.of(), List.of(IpamKeys.poolsPrefix(space), IpamKeys.spaceBlocksPrefix(space)));
      List<PoolValue> records = new ArrayList<>();
      for (IpamKv.Entry e : s.entries().values()) {
        if (e.key().startsWith(IpamKeys.poolsPrefix(space))) {
          records.add(PoolCatalog.parsePool(e));
        }
      }
      for (PoolValue record : records) {
        PoolId master = new PoolId(space, Cidr.parseNetwork("pool", record.getCidr()), null);
        OrdinalMap map = PoolCatalog.mapOf(master, s.entries(), IpamKeys.poolBlocksPrefix(space, record.getCidr()));
        List<OrdinalMap.Allocation> dead = map.allocations(0, master.lastOrdinal()).stream()
            .filter(a -> !live.contains(a.owner())).toList();
        List<CompletableFuture<Object>> done = new ArrayList<>();
        for (OrdinalMap.Allocation a : dead) {
          done.add(dryRun ? CompletableFuture.completedFuture(true)
              : ipam.poolWorker(master).submit(new WorkerOp.Sweep(a.ordinal(), a.owner())));
        }
        for (int i = 0; i < dead.size(); i++) {
          if (Boolean.TRUE.equals(done.get(i).join())) {
            OrdinalMap.Allocation a = dead.get(i);
            freed.add(new Freed(master.pool().addressAt(a.ordinal()), null, false, master.toString(), "", a.owner()));
          }
        }
        boolean liveLeft = map.allocations(0, master.lastOrdinal()).stream().anyMatch(a -> live.contains(a.owner()));
        for (SubPoolValue p : record.getSubPoolsList()) {
          if (!live.contains(p.getOwner())) {
            PoolId sub = new PoolId(space, master.pool(), Cidr.parseNetwork("sub_pool", p.getCidr()));
            releaseDeadPool(sub, p.getOwner(), dryRun, liveLeft, freed);
          }
        }
        if (record.getRequested() && !live.contains(record.getOwner())) {
          releaseDeadPool(master, record.getOwner(), dryRun, liveLeft, freed);
        }
      }
    }
    for (String set : config.idSets().keySet()) {
      IpamConfig.IdRange range = config.idSets().get(set);
      IpamKv.Snapshot s = kv.read(List.of(), List.of(IpamKeys.idBlocksPrefix(set)));
      OrdinalMap map = new OrdinalMap(range.last() - range.first(), false, false);
      PoolCatalog.loadBlocks(map, s.entries(), IpamKeys.idBlocksPrefix(set));
      List<OrdinalMap.Allocation> dead = map.allocations(0, map.last()).stream()
          .filter(a -> !live.contains(a.owner())).toList();
      List<CompletableFuture<Object>> done = new ArrayList<>();
      for (OrdinalMap.Allocation a : dead) {
        done.add(dryRun ? CompletableFuture.completedFuture(true)
            : ipam.idWorker(set).submit(new WorkerOp.Sweep(a.ordinal(), a.owner())));
      }
      for (int i = 0; i < dead.size(); i++) {
        if (Boolean.TRUE.equals(done.get(i).join())) {
          OrdinalMap.Allocation a = dead.get(i);
          freed.add(new Freed(null, range.first() + a.ordinal(), false, "", set, a.owner()));
        }
      }
    }
    return freed;
  }

  private void releaseDeadPool(PoolId id, String owner, boolean dryRun, boolean liveLeft, List<Freed> freed) {
    if (dryRun) {
      if (!liveLeft) {
        freed.add(new Freed(null, null, true, id.toString(), "", owner));
      }
      return;
    }
    try {
      ipam.pools().releasePool(id.toString(), owner, false);
      freed.add(new Freed(null, null, true, id.toString(), "", owner));
    } catch (CnmException e) {
      if (e.kind() != ErrorKind.FAILED_PRECONDITION && e.kind() != ErrorKind.NOT_FOUND) {
        throw e;
      }
    }
  }
}
