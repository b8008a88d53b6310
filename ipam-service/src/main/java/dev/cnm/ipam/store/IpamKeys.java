package dev.cnm.ipam.store;

/**
 * ipam-service's store layout: the keys it writes (design.md "Store layout"). A pool CIDR appears
 * in keys with its '/' replaced by '_' (10.1.0.0_16), so the key hierarchy stays unambiguous.
 * (How any key is encoded and where a prefix range ends is store-client's {@code Keys}.)
 */
public final class IpamKeys {
  private static final String IPAM = "/cnm/v1/ipam/";
  private static final String IDS = "/cnm/v1/ids/";

  private IpamKeys() {
  }

  /** The guard key listing the pools of an address space. */
  public static String space(String space) {
    return IPAM + space + "/space";
  }

  public static String poolsPrefix(String space) {
    return IPAM + space + "/pools/";
  }

  public static String pool(String space, String cidr) {
    return poolsPrefix(space) + segment(cidr);
  }

  /** Every block of every pool of the space. */
  public static String spaceBlocksPrefix(String space) {
    return IPAM + space + "/blocks/";
  }

  public static String poolBlocksPrefix(String space, String cidr) {
    return spaceBlocksPrefix(space) + segment(cidr) + "/";
  }

  public static String idBlocksPrefix(String set) {
    return IDS + set + "/blocks/";
  }

  /** The block index at the end of a block key. */
  public static long blockIndex(String key) {
    return Long.parseLong(key.substring(key.lastIndexOf('/') + 1));
  }

  /** The pool CIDR of a pool key or of a block key under {@link #spaceBlocksPrefix}. */
  public static String cidrOfSegment(String segment) {
    return segment.replace('_', '/');
  }

  private static String segment(String cidr) {
    return cidr.replace('/', '_');
  }
}
