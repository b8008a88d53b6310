package dev.cnm.controller.domain.ports;

import com.google.protobuf.StringValue;
import dev.cnm.api.v1.PortBinding;
import dev.cnm.runtime.net.Cidr;
import dev.cnm.controller.domain.repository.StoreKeys;
import dev.cnm.store.client.KvObject;
import dev.cnm.store.client.StoreClient;
import dev.cnm.store.client.StoreTxn;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The published-port claims of one node as read from the store, and the Txn writes that claim
 * and release them. A claim is keyed by node, host address, protocol and port
 * ({@link StoreKeys#port}). Which claims conflict follows the kernel's bind with its default
 * {@code net.ipv6.bindv6only=0}: 0.0.0.0 takes the port on every IPv4 address of the node, and
 * :: on every address of both families (the agent also publishes a :: binding on the IPv4
 * addresses, the only ones it publishes); other addresses conflict only with themselves.
 *
 * <p>Both directions of each conflict are checked inside the claiming Txn. A claim on a
 * specific address requires the claims of the unspecified addresses covering it absent. A claim
 * on an unspecified address must see no claim on any specific address it covers, a set no
 * single compare can cover, so every claim and every release on a specific address also writes
 * one marker key per node, family, protocol and port ({@link StoreKeys#portAddresses}), and the
 * unspecified address's claim guards the markers of the families it covers at the revision it
 * read: a specific claim committed since fails the guard and the Join retries on a fresh read.
 * A marker exists exactly while a specific address holds the port; releases guard it too, so
 * the last one deletes it.
 */
public final class PortClaims {
  static final String ANY_V4 = "0.0.0.0";
  static final String ANY_V6 = "::";

  private record Claim(String hostIp, String protocol, int port) {}

  private final String node;
  private final Set<Claim> claims;
  /** Marker key → its mod revision when read. */
  private final Map<String, Long> markers;

  private PortClaims(String node, Set<Claim> claims, Map<String, Long> markers) {
    this.node = node;
    this.claims = claims;
    this.markers = markers;
  }

  /** No claims (a node nothing is published on). */
  public static PortClaims none(String node) {
    return new PortClaims(node, new HashSet<>(), new HashMap<>());
  }

  /** The node's claims and markers, read at one revision. */
  public static PortClaims read(StoreClient store, String node) {
    PortClaims out = none(node);
    String prefix = StoreKeys.ports(node);
    for (KvObject<StringValue> kv : store.list(prefix, StringValue.parser())) {
      String[] parts = kv.key().substring(prefix.length()).split("/");
      if (parts.length != 3) {
        continue; // not a key of this layout
      }
      int port;
      try {
        port = Integer.parseInt(parts[2]);
      } catch (NumberFormatException e) {
        continue;
      }
      if (parts[0].endsWith("-addresses")) {
        out.markers.put(kv.key(), kv.modRevision());
      } else {
        out.claims.add(new Claim(parts[0], parts[1], port));
      }
    }
    return out;
  }

  public String node() {
    return node;
  }

  /** A copy whose {@link #add}s do not reach this one. */
  PortClaims copy() {
    return new PortClaims(node, new HashSet<>(claims), new HashMap<>(markers));
  }

  /** Whether publishing {@code protocol/port} on {@code hostIp} (canonical) would conflict with a claim. */
  public boolean conflicts(String hostIp, String protocol, int port) {
    return holder(hostIp, protocol, port) != null;
  }

  /** The address of a claim that publishing {@code protocol/port} on {@code hostIp} would conflict with, or null. */
  public String holder(String hostIp, String protocol, int port) {
    return claims.stream().filter(c -> c.port() == port && c.protocol().equals(protocol)
            && (covers(hostIp, c.hostIp()) || covers(c.hostIp(), hostIp)))
        .map(Claim::hostIp).sorted().findFirst().orElse(null);
  }

  /** Whether a bind on {@code a} takes the port on {@code b} too. */
  private static boolean covers(String a, String b) {
    return a.equals(b) || a.equals(ANY_V6) || (a.equals(ANY_V4) && !isV6(b));
  }

  /** Counts {@code protocol/port} on {@code hostIp} (canonical) as claimed. */
  public void add(String hostIp, String protocol, int port) {
    claims.add(new Claim(hostIp, protocol, port));
  }

  /**
   * Adds the claims of {@code portMap} (host ports chosen, host addresses set) for
   * {@code endpointId} to {@code txn}; it fails if any was taken since this read.
   */
  public void claim(StoreTxn txn, List<PortBinding> portMap, String endpointId) {
    StringValue owner = StringValue.of(endpointId);
    Set<String> markersDone = new HashSet<>(); // and other keys already guarded
    for (PortBinding b : portMap) {
      String ip = canonicalIp(b.getHostIp());
      String proto = PortRules.protocol("protocol", b.getProtocol());
      int port = b.getHostPort();
      txn.create(StoreKeys.port(node, ip, proto, port), owner);
      if (ip.equals(ANY_V4) || ip.equals(ANY_V6)) {
        // no address it covers held the port on this read: guard those families' markers as
        // read, so a specific claim committed since fails this Txn (a marker without claims is deleted)
        for (String fam : ip.equals(ANY_V6) ? List.of("ipv4", "ipv6") : List.of("ipv4")) {
          String marker = StoreKeys.portAddresses(node, fam, proto, port);
          if (markersDone.add(marker)) {
            Long rev = markers.get(marker);
            if (rev == null) {
              txn.requireAbsent(marker);
            } else {
              txn.requireRevision(marker, rev).deleteKey(marker);
            }
          }
        }
        // the other unspecified address: 0.0.0.0 and :: both take the IPv4 addresses
        absent(txn, StoreKeys.port(node, ip.equals(ANY_V6) ? ANY_V4 : ANY_V6, proto, port), markersDone);
      } else {
        absent(txn, StoreKeys.port(node, ANY_V6, proto, port), markersDone);
        if (!isV6(ip)) {
          absent(txn, StoreKeys.port(node, ANY_V4, proto, port), markersDone);
        }
        String marker = StoreKeys.portAddresses(node, family(ip), proto, port);
        if (markersDone.add(marker)) {
          txn.put(marker, owner, 0);
        }
      }
    }
  }

  /** One compare per key, however many bindings of the Txn need it. */
  private static void absent(StoreTxn txn, String key, Set<String> done) {
    if (done.add(key)) {
      txn.requireAbsent(key);
    }
  }

  /**
   * Adds the release of {@code freed} (port map entries of endpoints leaving this node) to
   * {@code txn}. Reads the node's claims only when a specific address is among them.
   */
  public static void release(StoreClient store, StoreTxn txn, String node, List<PortBinding> freed) {
    Set<Claim> gone = new HashSet<>();
    boolean specific = false;
    for (PortBinding b : freed) {
      String ip = canonicalIp(b.getHostIp());
      String proto = PortRules.protocol("protocol", b.getProtocol());
      txn.deleteKey(StoreKeys.port(node, ip, proto, b.getHostPort()));
      gone.add(new Claim(ip, proto, b.getHostPort()));
      specific |= !isUnspecified(ip);
    }
    if (!specific) {
      return;
    }
    PortClaims now = read(store, node);
    Set<String> markersDone = new HashSet<>();
    for (Claim c : gone) {
      if (isUnspecified(c.hostIp())) {
        continue;
      }
      String fam = family(c.hostIp());
      String marker = StoreKeys.portAddresses(node, fam, c.protocol(), c.port());
      if (!markersDone.add(marker)) {
        continue;
      }
      boolean othersRemain = now.claims.stream().anyMatch(o -> !gone.contains(o) && o.port() == c.port()
          && o.protocol().equals(c.protocol()) && !isUnspecified(o.hostIp()) && family(o.hostIp()).equals(fam));
      // guarded either way: two releases racing on one marker cannot both leave it behind
      txn.requireRevision(marker, now.markers.getOrDefault(marker, 0L));
      if (othersRemain) {
        txn.put(marker, StringValue.of(""), 0);
      } else if (now.markers.containsKey(marker)) {
        txn.deleteKey(marker);
      }
    }
  }

  /** The form addresses take in claim keys: 0.0.0.0 for empty, RFC 5952 for IPv6. */
  public static String canonicalIp(String hostIp) {
    return hostIp.isEmpty() ? ANY_V4 : Cidr.format(Cidr.parseAddress("host_ip", hostIp));
  }

  private static boolean isUnspecified(String canonicalIp) {
    return canonicalIp.equals(ANY_V4) || canonicalIp.equals(ANY_V6);
  }

  private static boolean isV6(String canonicalIp) {
    return canonicalIp.indexOf(':') >= 0;
  }

  private static String family(String canonicalIp) {
    return isV6(canonicalIp) ? "ipv6" : "ipv4";
  }
}
