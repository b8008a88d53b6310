package dev.cnm.ipam.domain;

import dev.cnm.runtime.net.Cidr;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The address spaces, their default pools and the id sets. Defaults are libnetwork's:
 * local pools 172.17.0.0/16 … 172.31.0.0/16 then 192.168.0.0/16 cut into /20s; global pools
 * 10.0.0.0/8 cut into /24s; id set "vxlan" = VNIs 1..16777215 when asked for by number (any
 * VNI Docker accepts), handed out automatically from 4096 (libnetwork's first automatic VNI).
 * Besides the two default spaces an operator may define extra address spaces: each is its own
 * namespace of pools (a pool may overlap pools of other spaces, so two overlay networks can use
 * the same subnet), and its default pools are cut from the global defaults, independently.
 *
 * @param localDefaults the local space's default pools, tried in order
 * @param globalDefaults the global space's default pools, tried in order
 * @param idSets id set name to its inclusive range
 * @param txnsInFlight store transactions one pool (or id set) keeps in flight at once, each on
 *     other blocks (pipelined group commit; 1 = one batch at a time)
 * @param extraSpaces operator-defined address spaces besides the local and global one
 */
public record IpamConfig(String localSpace, String globalSpace, List<PoolBase> localDefaults,
    List<PoolBase> globalDefaults, Map<String, IdRange> idSets, int txnsInFlight, List<String> extraSpaces) {

  /**
   * Default {@link #txnsInFlight}: two batches per pool, so the next batch is being written
   * while the last one commits. Once address calls stopped paying a thread hand-off each, 2 beat
   * 1 in every paired benchmark run with 16 clients, whichever ran first (10-50 % more
   * allocations/s at up to 10 % more CPU per allocation; docs/benchmarks-history.md, IPAM, "Sixth round").
   */
  public static final int DEFAULT_TXNS_IN_FLIGHT = 2;

  public static final String LOCAL = "LocalDefault";
  public static final String GLOBAL = "GlobalDefault";
  public static final String VXLAN = "vxlan";

  /** A base network cut into pools of prefix {@code size}, e.g. 192.168.0.0/16 into /20s. */
  public record PoolBase(Cidr base, int size) {
    /** Parses "BASE/PREFIX:SIZE" (e.g. "192.168.0.0/16:20") or "BASE/PREFIX" (one pool). */
    public static PoolBase parse(String text) {
      int colon = text.lastIndexOf(':');
      boolean hasSize = colon > text.indexOf('/');
      Cidr base = Cidr.parseNetwork("default-pool", hasSize ? text.substring(0, colon) : text);
      int size = hasSize ? Integer.parseInt(text.substring(colon + 1)) : base.prefix();
      if (size < base.prefix() || size > base.bits()) {
        throw new IllegalArgumentException("default pool " + text + ": size must be between "
            + base.prefix() + " and " + base.bits());
      }
      return new PoolBase(base, size);
    }
  }

  /** Names an extra address space may have: they appear in store keys and pool ids ("SPACE/CIDR"). */
  private static final java.util.regex.Pattern SPACE_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

  /**
   * An inclusive range of ids: any id of [first, last] may be asked for by number; ids handed
   * out automatically come from [autoFirst, last].
   */
  public record IdRange(long first, long last, long autoFirst) {
    public IdRange {
      if (first < 0 || last < first || autoFirst < first || autoFirst > last) {
        throw new IllegalArgumentException("id range " + first + "-" + last + ":" + autoFirst
            + ": want 0 <= FIRST <= AUTO_FIRST <= LAST");
      }
    }

    /** A range whose every id may also be handed out automatically. */
    public IdRange(long first, long last) {
      this(first, last, first);
    }

    /**
     * Parses "FIRST-LAST" or "FIRST-LAST:AUTO_FIRST", e.g. "1-16777215:4096" (ids 1..16777215 on
     * request, automatic ones from 4096) or "4096-16777215" (automatic from FIRST).
     */
    public static IdRange parse(String text) {
      try {
        int colon = text.indexOf(':');
        String span = colon < 0 ? text : text.substring(0, colon);
        int dash = span.indexOf('-');
        long first = Long.parseLong(span.substring(0, dash).trim());
        long last = Long.parseLong(span.substring(dash + 1).trim());
        long auto = colon < 0 ? first : Long.parseLong(text.substring(colon + 1).trim());
        return new IdRange(first, last, auto);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("id range \"" + text
            + "\": want FIRST-LAST or FIRST-LAST:AUTO_FIRST with 0 <= FIRST <= AUTO_FIRST <= LAST", e);
      }
    }
  }

  public IpamConfig {
    localDefaults = List.copyOf(localDefaults);
    globalDefaults = List.copyOf(globalDefaults);
    idSets = Map.copyOf(idSets);
    extraSpaces = List.copyOf(extraSpaces);
    java.util.Set<String> seen = new java.util.HashSet<>(List.of(localSpace, globalSpace));
    for (String space : extraSpaces) {
      if (!SPACE_NAME.matcher(space).matches()) {
        throw new IllegalArgumentException("address space \"" + space
            + "\": want 1..64 letters, digits, '_', '.', '-', starting with a letter or digit");
      }
      if (!seen.add(space)) {
        throw new IllegalArgumentException("address space \"" + space + "\" is given twice (or is a default space)");
      }
    }
    if (txnsInFlight < 1) {
      throw new IllegalArgumentException("txnsInFlight must be at least 1, not " + txnsInFlight);
    }
  }

  /** A configuration with no extra address spaces. */
  public IpamConfig(String localSpace, String globalSpace, List<PoolBase> localDefaults, List<PoolBase> globalDefaults,
      Map<String, IdRange> idSets, int txnsInFlight) {
    this(localSpace, globalSpace, localDefaults, globalDefaults, idSets, txnsInFlight, List.of());
  }

  public static IpamConfig defaults() {
    List<PoolBase> local = new ArrayList<>();
    for (int i = 17; i <= 31; i++) {
      local.add(PoolBase.parse("172." + i + ".0.0/16:16"));
    }
    local.add(PoolBase.parse("192.168.0.0/16:20"));
    Map<String, IdRange> ids = new LinkedHashMap<>();
    ids.put(VXLAN, new IdRange(1, 16777215, 4096));
    return new IpamConfig(LOCAL, GLOBAL, local, List.of(PoolBase.parse("10.0.0.0/8:24")), ids,
        DEFAULT_TXNS_IN_FLIGHT, List.of());
  }

  public IpamConfig withLocalDefaults(List<PoolBase> pools) {
    return new IpamConfig(localSpace, globalSpace, pools, globalDefaults, idSets, txnsInFlight, extraSpaces);
  }

  public IpamConfig withGlobalDefaults(List<PoolBase> pools) {
    return new IpamConfig(localSpace, globalSpace, localDefaults, pools, idSets, txnsInFlight, extraSpaces);
  }

  public IpamConfig withIdSet(String name, IdRange range) {
    Map<String, IdRange> ids = new LinkedHashMap<>(idSets);
    ids.put(name, range);
    return new IpamConfig(localSpace, globalSpace, localDefaults, globalDefaults, ids, txnsInFlight, extraSpaces);
  }

  public IpamConfig withTxnsInFlight(int n) {
    return new IpamConfig(localSpace, globalSpace, localDefaults, globalDefaults, idSets, n, extraSpaces);
  }

  /** The same configuration serving also the given extra address spaces (see the class comment). */
  public IpamConfig withExtraSpaces(List<String> spaces) {
    return new IpamConfig(localSpace, globalSpace, localDefaults, globalDefaults, idSets, txnsInFlight, spaces);
  }

  public boolean knowsSpace(String space) {
    return localSpace.equals(space) || globalSpace.equals(space) || extraSpaces.contains(space);
  }

  /** Every address space served: the local and the global default, then the extra ones. */
  public List<String> spaces() {
    List<String> all = new ArrayList<>(List.of(localSpace, globalSpace));
    all.addAll(extraSpaces);
    return List.copyOf(all);
  }

  /** The local space's defaults for it; for the global and every extra space the global ones. */
  public List<PoolBase> defaultsOf(String space) {
    return localSpace.equals(space) ? localDefaults : globalDefaults;
  }
}
