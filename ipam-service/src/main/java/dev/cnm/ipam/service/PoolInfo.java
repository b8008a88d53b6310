package dev.cnm.ipam.service;

import java.util.Map;

/**
 * A pool with its usage, as GetPool and ListPools report it.
 *
 * @param size allocatable addresses in the pool's range, unsigned (see Cidr#lastOrdinal)
 * @param allocated allocated addresses in the range
 * @param ownerCount distinct owners holding addresses in the range
 */
public record PoolInfo(String id, String space, String pool, String subPool, boolean v6,
    Map<String, String> options, String owner, long size, long allocated, long ownerCount) {
}
