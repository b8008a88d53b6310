package dev.cnm.ipam.domain;

import dev.cnm.api.v1.ErrorReason;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.net.Cidr;

/**
 * A pool id in libnetwork's format: "SPACE/POOL-CIDR" or, for a sub-pool,
 * "SPACE/POOL-CIDR/SUB-POOL-CIDR" (e.g. "LocalDefault/172.18.0.0/16/172.18.5.0/24").
 *
 * @param sub the sub-pool, or null for the pool itself
 */
public record PoolId(String space, Cidr pool, Cidr sub) {

  /** Parses an id; a malformed one is NOT_FOUND naming {@code pool_id} (no such pool exists). */
  public static PoolId parse(String id) {
    String[] parts = id.split("/", -1);
    if (parts.length != 3 && parts.length != 5) {
      throw unknown(id);
    }
    try {
      Cidr pool = Cidr.parseNetwork("pool_id", parts[1] + "/" + parts[2]);
      Cidr sub = parts.length == 5 ? Cidr.parseNetwork("pool_id", parts[3] + "/" + parts[4]) : null;
      PoolId parsed = new PoolId(parts[0], pool, sub);
      if (!parsed.toString().equals(id)) {
        throw unknown(id);
      }
      return parsed;
    } catch (CnmException e) {
      throw unknown(id);
    }
  }

  public static CnmException unknown(String id) {
    return new CnmException(dev.cnm.runtime.errors.ErrorKind.NOT_FOUND, ErrorReason.POOL_NOT_FOUND,
        "pool_id: no pool " + id, java.util.Map.of("field", "pool_id", "pool_id", id), null);
  }

  /** The id of the pool this sub-pool belongs to (itself for a pool). */
  public PoolId master() {
    return sub == null ? this : new PoolId(space, pool, null);
  }

  /** First ordinal (in the pool's numbering) addresses are handed out from. */
  public long firstOrdinal() {
    return sub == null ? 0 : pool.ordinalOf(sub);
  }

  /** Last ordinal (unsigned) addresses are handed out from. */
  public long lastOrdinal() {
    if (sub == null) {
      return pool.lastOrdinal();
    }
    long last = pool.ordinalOf(sub) + sub.lastOrdinal();
    return Long.compareUnsigned(last, pool.lastOrdinal()) > 0 || sub.lastOrdinal() == -2L ? pool.lastOrdinal() : last;
  }

  @Override
  public String toString() {
    return space + "/" + pool + (sub == null ? "" : "/" + sub);
  }
}
