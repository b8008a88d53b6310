package dev.cnm.ipam.domain;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The address spaces, their default pools and the id sets. Defaults are libnetwork's:
 * local pools 172.17.0.0/16 … 172.31.0.0/16 then 192.168.0.0/16 cut into /20s; global pools
 * 10.0.0.0/8 cut into /24s; id set "vxlan" = VNIs 4096..16777215.
 *
 * @param localDefaults the local space's default pools, tried in order
 * @param globalDefaults the global space's default pools, tried in order
 * @param idSets id set name to its inclusive range
 */
public record IpamConfig(String localSpace, String globalSpace, List<PoolBase> localDefaults,
    List<PoolBase> globalDefaults, Map<String, IdRange> idSets) {

  public static final String LOCAL = "LocalDefault";
  public static final String GLOBAL = "GlobalDefault";
  public static final String VXLAN = "vxlan";

  /** A base network cut into pools of prefix {@code size}, e.g. 192.168.0.0/16 into /20s. */
  public record PoolBase(Cidr base, int size) {
    /** Parses "BASE/PREFIX:SIZE" (e.g. "192.168.0.0/16:20") or "BASE/PREFIX" (one pool). */
    public static PoolBase parse(String text) {
      int colon = text.lastIndexOf(':');
      boolean hasSize = colon > text.indexOf('/');
      Cidr base = Cidr.parse(hasSize ? text.substring(0, colon) : text, "default-pool");
      int size = hasSize ? Integer.parseInt(text.substring(colon + 1)) : base.prefix();
      if (size < base.prefix() || size > base.bits()) {
        throw new IllegalArgumentException("default pool " + text + ": size must be between "
            + base.prefix() + " and " + base.bits());
      }
      return new PoolBase(base, size);
    }
  }

  /** An inclusive range of ids. */
  public record IdRange(long first, long last) {
    /** Parses "FIRST-LAST", e.g. "4096-16777215". */
    public static IdRange parse(String text) {
      int dash = text.indexOf('-');
      long first = Long.parseLong(text.substring(0, dash).trim());
      long last = Long.parseLong(text.substring(dash + 1).trim());
      if (first < 0 || last < first) {
        throw new IllegalArgumentException("id range " + text + ": want FIRST-LAST with 0 <= FIRST <= LAST");
      }
      return new IdRange(first, last);
    }
  }

  public IpamConfig {
    localDefaults = List.copyOf(localDefaults);
    globalDefaults = List.copyOf(globalDefaults);
    idSets = Map.copyOf(idSets);
  }

  public static IpamConfig defaults() {
    List<PoolBase> local = new ArrayList<>();
    for (int i = 17; i <= 31; i++) {
      local.add(PoolBase.parse("172." + i + ".0.0/16:16"));
    }
    local.add(PoolBase.parse("192.168.0.0/16:20"));
    Map<String, IdRange> ids = new LinkedHashMap<>();
    ids.put(VXLAN, new IdRange(4096, 16777215));
    return new IpamConfig(LOCAL, GLOBAL, local, List.of(PoolBase.parse("10.0.0.0/8:24")), ids);
  }

  public IpamConfig withLocalDefaults(List<PoolBase> pools) {
    return new IpamConfig(localSpace, globalSpace, pools, globalDefaults, idSets);
  }

  public IpamConfig withGlobalDefaults(List<PoolBase> pools) {
    return new IpamConfig(localSpace, globalSpace, localDefaults, pools, idSets);
  }

  public IpamConfig withIdSet(String name, IdRange range) {
    Map<String, IdRange> ids = new LinkedHashMap<>(idSets);
    ids.put(name, range);
    return new IpamConfig(localSpace, globalSpace, localDefaults, globalDefaults, ids);
  }

  public boolean knowsSpace(String space) {
    return localSpace.equals(space) || globalSpace.equals(space);
  }

  public List<String> spaces() {
    return List.of(localSpace, globalSpace);
  }

  public List<PoolBase> defaultsOf(String space) {
    return localSpace.equals(space) ? localDefaults : globalDefaults;
  }
}
