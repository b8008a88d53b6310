package dev.cnm.agent.driver.bridge;

import dev.cnm.agent.dataplane.NetworkSpec;
import dev.cnm.api.v1.NodeNetwork;
import dev.cnm.runtime.net.IpPrefix;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The bridge networks that left this node's snapshot (their last endpoint here left) but whose
 * bridge, gateway addresses and firewall entries the node still holds, for at most
 * {@link #LINGER}: a Join that follows soon finds them ready instead of creating the bridge again.
 * Used from the session's one thread, with the {@link IncrementalApply} that fills and empties it.
 */
final class LingeringNetworks {
  /**
   * How long a bridge outlives its network's last endpoint on the node. A host where containers
   * come and go (CI runners, batch jobs) has a network's last endpoint leave and a new one join
   * within seconds, all day: without the linger each such Join creates the bridge, its addresses
   * and the firewall entries, and each Leave deletes them (scripts/bench-churn.sh on 2 cores, no
   * other container alive: Join ~155 ms p50, against ~12 ms with 100 alive keeping it). Docker
   * keeps a bridge until the network is removed; cnm's controller puts a network in a node's
   * snapshot only while one of its endpoints is joined there, and sends no snapshot when a network
   * the node no longer holds is deleted, so the time bounds how long a deleted network's bridge
   * stays: 30 s covers the gaps of a churning host and keeps that leftover short.
   */
  static final Duration LINGER = Duration.ofSeconds(30);

  /** A network kept past its last endpoint: its dataplane spec, its message (for the firewall), and since when (nanos). */
  record Lingering(NetworkSpec spec, NodeNetwork network, long sinceNanos) {}

  private final long lingerNanos;
  private final Map<String, Lingering> byId = new LinkedHashMap<>();

  LingeringNetworks(Duration linger) {
    this.lingerNanos = linger.toNanos();
  }

  /** Keeps {@code spec}'s network from {@code nowNanos} on (its message {@code network} for the firewall). */
  void add(NetworkSpec spec, NodeNetwork network, long nowNanos) {
    byId.put(spec.networkId(), new Lingering(spec, network, nowNanos));
  }

  /** The lingering network {@code networkId}'s spec, no longer lingering (it is back); null if it was not lingering. */
  NetworkSpec reclaim(String networkId) {
    Lingering l = byId.remove(networkId);
    return l == null ? null : l.spec();
  }

  /**
   * The lingering networks that stand in the way of {@code spec} (another network about to be
   * made): the same bridge name (the dataplane refuses to take over another network's bridge),
   * or an overlapping subnet (its address pool was released and given again: two bridges with
   * the same prefix would split its routes). They no longer linger; the caller removes them.
   */
  List<String> takeConflicting(NetworkSpec spec) {
    List<String> out = List.of();
    for (Iterator<Lingering> it = byId.values().iterator(); it.hasNext(); ) {
      NetworkSpec l = it.next().spec();
      if (!l.networkId().equals(spec.networkId()) && conflict(l, spec)) {
        if (out.isEmpty()) {
          out = new ArrayList<>(1);
        }
        out.add(l.networkId());
        it.remove();
      }
    }
    return out;
  }

  /** The networks that lingered {@link #LINGER} or longer at {@code nowNanos}, no longer lingering; the caller removes them. */
  List<String> takeExpired(long nowNanos) {
    List<String> out = List.of();
    for (Iterator<Lingering> it = byId.values().iterator(); it.hasNext(); ) {
      Lingering l = it.next();
      if (nowNanos - l.sinceNanos() >= lingerNanos) {
        if (out.isEmpty()) {
          out = new ArrayList<>(1);
        }
        out.add(l.spec().networkId());
        it.remove();
      }
    }
    return out;
  }

  /** Forgets every lingering network (a full reconcile removes their kernel objects). */
  void clear() {
    byId.clear();
  }

  /** The lingering networks' messages, in the order they began to linger. */
  Collection<NodeNetwork> networks() {
    List<NodeNetwork> out = new ArrayList<>(byId.size());
    byId.values().forEach(l -> out.add(l.network()));
    return out;
  }

  /** The lingering networks' ids. */
  Set<String> ids() {
    return byId.keySet();
  }

  boolean isEmpty() {
    return byId.isEmpty();
  }

  /** Whether two networks' bridges cannot both be on the node: same bridge name, or overlapping subnets. */
  static boolean conflict(NetworkSpec a, NetworkSpec b) {
    return a.bridgeName().equals(b.bridgeName()) || overlap(a.gatewayV4(), b.gatewayV4())
        || overlap(a.gatewayV6(), b.gatewayV6());
  }

  private static boolean overlap(IpPrefix a, IpPrefix b) {
    return a != null && b != null && (a.contains(b.network()) || b.contains(a.network()));
  }
}
