package dev.cnm.ipam.service;

import dev.cnm.ipam.domain.AllocationKind;
import dev.cnm.ipam.domain.OrdinalMap;
import dev.cnm.ipam.domain.PoolId;
import dev.cnm.ipam.store.IpamKv;
import dev.cnm.ipam.store.IpamKeys;
import dev.cnm.ipam.store.pb.PoolValue;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.net.Cidr;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * ListAllocations: the allocations of a pool's (or sub-pool's) range as stored, read at one
 * revision, in address order, a page at a time. The page token is the last address of the
 * previous page, so a page boundary survives allocations and releases in between.
 */
public final class Allocations {
  /** One allocated address; {@code mac} is null when none was given. */
  public record Info(String address, String owner, AllocationKind kind, String mac) { }

  /** One page; {@code nextPageToken} is empty on the last page. */
  public record Page(List<Info> allocations, String nextPageToken) { }

  private final IpamKv kv;
  private final IpamService ipam;

  Allocations(IpamKv kv, IpamService ipam) {
    this.kv = kv;
    this.ipam = ipam;
  }

  public Page list(String poolIdText, int pageSize, String pageToken) {
    if (pageSize < 0) {
      throw CnmException.invalidArgument("page_size", "must not be negative");
    }
    int size = pageSize == 0 ? 100 : Math.min(pageSize, 1000);
    PoolId id = ipam.poolId(poolIdText);
    long after = OrdinalMap.NONE;
    if (pageToken != null && !pageToken.isEmpty()) {
      long[] bits = Cidr.parseAddressHalves("page_token", pageToken);
      if (!id.pool().containsAddress(bits)) {
        throw CnmException.invalidArgument("page_token", pageToken + " is not an address of pool " + id.pool());
      }
      after = id.pool().ordinalOf(bits);
    }
    String poolKey = IpamKeys.pool(id.space(), id.pool().toString());
    String blocks = IpamKeys.poolBlocksPrefix(id.space(), id.pool().toString());
    IpamKv.Snapshot s = kv.read(List.of(poolKey), List.of(blocks));
    IpamKv.Entry e = s.entries().get(poolKey);
    PoolValue record = e == null ? null : PoolCatalog.parsePool(e);
    String sub = id.sub() == null ? null : id.sub().toString();
    if (record == null || (sub == null && !record.getRequested()) || (sub != null && !IpamService.hasSub(record, sub))) {
      throw PoolId.unknown(poolIdText);
    }
    OrdinalMap map = PoolCatalog.mapOf(id, s.entries(), blocks);
    List<OrdinalMap.Allocation> all = new ArrayList<>(map.allocations(id.firstOrdinal(), id.lastOrdinal()));
    all.sort(Comparator.comparing(OrdinalMap.Allocation::ordinal, Long::compareUnsigned));
    List<Info> page = new ArrayList<>();
    String next = "";
    for (OrdinalMap.Allocation a : all) {
      if (after != OrdinalMap.NONE && Long.compareUnsigned(a.ordinal(), after) <= 0) {
        continue;
      }
      if (page.size() == size) {
        next = page.get(size - 1).address();
        break;
      }
      page.add(new Info(id.pool().addressAt(a.ordinal()), a.owner(), a.kind(), a.mac()));
    }
    return new Page(page, next);
  }
}
