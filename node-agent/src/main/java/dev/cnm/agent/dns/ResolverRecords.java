package dev.cnm.agent.dns;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The names one sandbox can resolve: those of every endpoint on the networks the sandbox is
 * joined to, and nothing from other networks (isolation). An endpoint answers to its name, each
 * of its aliases, its sandbox's container id (the 12-character short form Docker users type, and
 * the full id when it fits in a DNS label: Docker's 64-hex ids do not) and its sandbox's host name; each of its addresses answers a PTR query with the endpoint
 * name. A name that several endpoints share answers with all their addresses.
 *
 * <p>The record set never changes once built (a new view replaces the old one); the only state
 * is a counter per name that rotates the order of its addresses on each lookup, Docker's DNS
 * round robin, so clients that take the first address spread over all of them.
 */
public final class ResolverRecords {
  /**
   * The TTL of our answers. Docker uses 600 s, which lets a client that caches (a JVM, nginx, a
   * caching stub) keep a dead container's address for ten minutes after it was replaced. The
   * resolver sits on the sandbox's loopback and answers from memory in well under a millisecond,
   * so asking again costs nearly nothing; 5 s bounds how long a stale address can outlive a
   * Leave or a restart, while a client that resolves in a tight loop still hits its own cache.
   */
  public static final Duration TTL = Duration.ofSeconds(5);
  private static final int SHORT_ID = 12;
  private static final ResolverRecords EMPTY = new ResolverRecords(Map.of(), Map.of());

  /** Addresses of one name, in the order they were added, with the rotation counter. */
  private static final class Entry {
    final List<InetAddress> ipv4;
    final List<InetAddress> ipv6;
    final AtomicInteger turn = new AtomicInteger();

    Entry(Set<InetAddress> addresses) {
      List<InetAddress> v4 = new ArrayList<>();
      List<InetAddress> v6 = new ArrayList<>();
      for (InetAddress a : addresses) {
        (a instanceof Inet4Address ? v4 : v6).add(a);
      }
      this.ipv4 = List.copyOf(v4);
      this.ipv6 = List.copyOf(v6);
    }
  }

  private final Map<String, Entry> names;
  private final Map<String, List<String>> pointers;

  private ResolverRecords(Map<String, Entry> names, Map<String, List<String>> pointers) {
    this.names = names;
    this.pointers = pointers;
  }

  /** No names at all: every query is forwarded. */
  public static ResolverRecords empty() {
    return EMPTY;
  }

  /**
   * The view of a sandbox joined to {@code sandboxNetworks}, out of {@code endpoints} (which may
   * hold endpoints of any network, local or remote: the others are left out). Names that are not
   * valid host names are left out too (the API refuses such aliases; a bad name must not make
   * the whole view fail).
   */
  public static ResolverRecords of(Set<String> sandboxNetworks, Collection<DnsEndpoint> endpoints) {
    Map<String, Set<InetAddress>> byName = new HashMap<>();
    Map<String, Set<String>> byAddress = new HashMap<>();
    for (DnsEndpoint e : endpoints) {
      if (!sandboxNetworks.contains(e.networkId()) || e.addresses().isEmpty()) {
        continue;
      }
      for (String name : namesOf(e)) {
        byName.computeIfAbsent(name, n -> new LinkedHashSet<>()).addAll(e.addresses());
      }
      String name = DnsNames.normalize(e.name());
      if (DnsNames.isHostName(name)) {
        for (InetAddress a : e.addresses()) {
          byAddress.computeIfAbsent(DnsNames.reverse(a), r -> new LinkedHashSet<>()).add(DnsNames.qualified(name));
        }
      }
    }
    Map<String, Entry> names = new HashMap<>();
    byName.forEach((n, a) -> names.put(n, new Entry(a)));
    Map<String, List<String>> pointers = new HashMap<>();
    byAddress.forEach((r, n) -> pointers.put(r, List.copyOf(n)));
    return new ResolverRecords(Map.copyOf(names), Map.copyOf(pointers));
  }

  private static Set<String> namesOf(DnsEndpoint e) {
    Set<String> out = new LinkedHashSet<>();
    out.add(DnsNames.normalize(e.name()));
    e.aliases().forEach(a -> out.add(DnsNames.normalize(a)));
    String id = DnsNames.normalize(e.containerId());
    out.add(id);
    if (id.length() > SHORT_ID) {
      out.add(id.substring(0, SHORT_ID));
    }
    out.add(DnsNames.normalize(e.hostName()));
    out.removeIf(n -> !DnsNames.isHostName(n));
    return out;
  }

  /** Is {@code name} (any case, trailing dot or not) one of ours, whatever addresses it has? */
  public boolean knows(String name) {
    return names.containsKey(DnsNames.normalize(name));
  }

  /**
   * The addresses of {@code name} of one family ({@code ipv6} false: A records, true: AAAA), in
   * this lookup's rotated order; empty when the name is not ours. A name of ours with no address
   * of that family gives an empty list (a NODATA answer, not NXDOMAIN).
   */
  public Optional<List<InetAddress>> addresses(String name, boolean ipv6) {
    Entry e = names.get(DnsNames.normalize(name));
    if (e == null) {
      return Optional.empty();
    }
    List<InetAddress> all = ipv6 ? e.ipv6 : e.ipv4;
    if (all.size() < 2) {
      return Optional.of(all);
    }
    int start = Math.floorMod(e.turn.getAndIncrement(), all.size());
    List<InetAddress> rotated = new ArrayList<>(all.size());
    rotated.addAll(all.subList(start, all.size()));
    rotated.addAll(all.subList(0, start));
    return Optional.of(rotated);
  }

  /** The fully qualified names a PTR query for {@code reverseName} answers with; empty when not ours. */
  public List<String> pointers(String reverseName) {
    return pointers.getOrDefault(DnsNames.normalize(reverseName), List.of());
  }

  /** How many names this view holds (for logs and metrics). */
  public int size() {
    return names.size();
  }
}
