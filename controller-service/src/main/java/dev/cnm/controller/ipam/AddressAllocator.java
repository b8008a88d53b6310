package dev.cnm.controller.ipam;

/**
 * What the controller needs from IPAM (libnetwork's ipamapi, narrowed). Failures are
 * {@link dev.cnm.runtime.errors.CnmException}s carrying IPAM's own kind and reason.
 */
public interface AddressAllocator {
  /** A reserved pool: its id, CIDR and the address space it was reserved in. */
  record PoolGrant(String poolId, String subnet, String addressSpace) {}

  /**
   * Reserves a pool in {@code addressSpace} (empty: the default space of the scope, global or
   * local): {@code subnet} (empty: the next free default pool of the space), handing out from
   * {@code ipRange} when given. An address space IPAM is not configured with is INVALID_ARGUMENT
   * whose metadata "field" is {@code address_space}.
   */
  PoolGrant requestPool(boolean global, String addressSpace, String subnet, String ipRange, boolean v6, String owner);

  /** {@link #requestPool(boolean, String, String, String, boolean, String)} in the scope's default space. */
  default PoolGrant requestPool(boolean global, String subnet, String ipRange, boolean v6, String owner) {
    return requestPool(global, "", subnet, ipRange, v6, owner);
  }

  /** Releases a pool and (forced) whatever is still allocated in it. */
  void releasePool(String poolId, String owner);

  /** Allocates {@code address} (empty: the next free one); returns "ADDR/LEN". */
  String requestAddress(String poolId, String address, Kind kind, String owner);

  /** Frees an address held by {@code owner}; an address no longer allocated is fine. */
  void releaseAddress(String poolId, String address, String owner);

  /**
   * Allocates an id from the id set {@code set} (e.g. "vxlan"): {@code preferred} when not null
   * (ALREADY_EXISTS if taken, INVALID_ARGUMENT outside the set's range), else the next free one.
   */
  long requestId(String set, Long preferred, String owner);

  /** Frees an id held by {@code owner}; an id no longer allocated is fine. */
  void releaseId(String set, long id, String owner);

  /**
   * IPAM's Sweep: frees every address, id and pool whose owner is not in {@code liveOwners}
   * (with {@code dryRun}, frees nothing) and returns what it freed or would free.
   */
  java.util.List<dev.cnm.api.v1.Freed> sweep(java.util.Set<String> liveOwners, boolean dryRun);

  /** The role of an address. */
  enum Kind { ENDPOINT, GATEWAY, AUX }
}
