package dev.cnm.agent.apply;

import dev.cnm.agent.dns.DnsEndpoint;
import dev.cnm.agent.dns.SandboxResolvers;
import dev.cnm.agent.dns.Upstreams;
import dev.cnm.agent.netns.NetNamespace;
import dev.cnm.agent.sandboxfiles.HostResolvConf;
import dev.cnm.api.v1.DesiredState;
import dev.cnm.api.v1.NodeEndpoint;
import dev.cnm.api.v1.NodeNetwork;
import dev.cnm.api.v1.NodeSandbox;
import dev.cnm.api.v1.OverlayPeer;
import dev.cnm.runtime.net.IpPrefix;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded DNS of the node's sandboxes, from each snapshot: which sandboxes get a resolver
 * on 127.0.0.11 (those with an endpoint on a bridge or overlay network, host mode excepted),
 * the names each answers (the snapshot's endpoints, and the remote peers of its overlay networks,
 * scoped by network in {@link dev.cnm.agent.dns.ResolverRecords}), and where each forwards the
 * rest (the sandbox's dns_servers, else the node's resolv.conf servers). Used from the apply
 * thread only.
 */
public final class SandboxDns implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SandboxDns.class);
  /** The drivers whose networks give a sandbox a resolver (Docker's: user-defined bridge and overlay networks). */
  static final Set<String> SERVED_DRIVERS = Set.of("bridge", "overlay");
  private final SandboxResolvers resolvers;
  private final HostResolvConf host;
  /** Sandboxes whose resolver failed to start, logged once until it starts or the sandbox goes. */
  private final Set<String> reported = new HashSet<>();
  /**
   * The record of each endpoint and remote peer, by id, with the messages it was made from. A
   * snapshot repeats the message instances of what it does not change, so a Join elsewhere
   * reuses every other record as it is (and the resolvers see the same list, by identity).
   */
  private Map<String, Derived> derived = new HashMap<>();
  /** Each served sandbox's last wish, reused while equal so unchanged resolvers are skipped by identity. */
  private Map<String, SandboxResolvers.Desired> lastWanted = new HashMap<>();

  private record Derived(Object message, NodeSandbox sandbox, DnsEndpoint record) {}

  public SandboxDns(SandboxResolvers resolvers, HostResolvConf host) {
    this.resolvers = resolvers;
    this.host = host;
  }

  /** The sandboxes of {@code desired} that get a resolver (and a resolv.conf naming it). */
  static Set<String> served(DesiredState desired) {
    Map<String, String> driverOf = new HashMap<>();
    for (NodeNetwork n : desired.getNetworksList()) {
      driverOf.put(n.getId(), n.getDriver());
    }
    Set<String> hostMode = new HashSet<>();
    for (NodeSandbox s : desired.getSandboxesList()) {
      if (s.getHostNetwork()) {
        hostMode.add(s.getId());
      }
    }
    Set<String> out = new HashSet<>();
    for (NodeEndpoint e : desired.getEndpointsList()) {
      if (SERVED_DRIVERS.contains(driverOf.get(e.getNetworkId())) && !hostMode.contains(e.getSandboxId())) {
        out.add(e.getSandboxId());
      }
    }
    return out;
  }

  /** Closes the resolvers of sandboxes leaving: before their namespaces are deleted (a socket would keep one alive). */
  void retain(Set<String> sandboxIds) {
    resolvers.retain(sandboxIds);
  }

  /** Starts, updates and stops the resolvers to match {@code desired}, in the namespaces the keeper holds now. */
  void sync(DesiredState desired, Set<String> served, Map<String, NetNamespace> namespaces) {
    Map<String, NodeSandbox> sandboxes = new HashMap<>();
    for (NodeSandbox s : desired.getSandboxesList()) {
      sandboxes.put(s.getId(), s);
    }
    Map<String, Set<String>> networksOf = new HashMap<>();
    List<DnsEndpoint> records = new ArrayList<>(desired.getEndpointsCount());
    Map<String, Derived> next = new HashMap<>(derived.size() * 4 / 3 + 16);
    for (NodeEndpoint e : desired.getEndpointsList()) {
      networksOf.computeIfAbsent(e.getSandboxId(), k -> new HashSet<>()).add(e.getNetworkId());
      NodeSandbox s = sandboxes.get(e.getSandboxId());
      Derived d = derived.get(e.getId());
      if (d == null || d.message() != e || d.sandbox() != s) {
        d = new Derived(e, s, new DnsEndpoint(e.getNetworkId(), e.getName(), e.getAliasesList(),
            s == null ? "" : s.getContainerId(), s == null ? "" : s.getHostname(),
            addresses(e.getIpv4Address(), e.getIpv6Address())));
      }
      next.put(e.getId(), d);
      records.add(d.record());
    }
    for (NodeNetwork n : desired.getNetworksList()) {
      for (OverlayPeer p : n.getOverlay().getPeersList()) {
        String key = n.getId() + "/" + p.getEndpointId();
        Derived d = derived.get(key);
        if (d == null || d.message() != p) {
          d = new Derived(p, null, new DnsEndpoint(n.getId(), p.getName(), p.getAliasesList(), p.getContainerId(),
              p.getHostname(), addresses(p.getIpv4Address(), p.getIpv6Address())));
        }
        next.put(key, d);
        records.add(d.record());
      }
    }
    derived = next;
    Upstreams nodeUpstreams = null;
    Map<String, SandboxResolvers.Desired> wanted = new HashMap<>();
    for (String id : served) {
      NetNamespace ns = namespaces.get(id);
      NodeSandbox s = sandboxes.get(id);
      if (ns == null || s == null) {
        continue; // its create failed in this apply: no namespace to serve in
      }
      Upstreams up;
      if (s.getDnsServersCount() > 0) {
        List<InetAddress> servers = new ArrayList<>();
        s.getDnsServersList().forEach(a -> servers.add(IpPrefix.parseAddress("dns_servers", a)));
        up = Upstreams.of(servers);
      } else {
        if (nodeUpstreams == null) {
          nodeUpstreams = Upstreams.of(host.nameservers());
        }
        up = nodeUpstreams;
      }
      Set<String> networks = networksOf.getOrDefault(id, Set.of());
      SandboxResolvers.Desired before = lastWanted.get(id);
      wanted.put(id, before != null && before.namespace() == ns && before.networks().equals(networks)
          && before.upstreams().equals(up) ? before : new SandboxResolvers.Desired(ns, networks, up));
    }
    lastWanted = wanted;
    Map<String, RuntimeException> failed = resolvers.sync(wanted, records);
    reported.retainAll(failed.keySet());
    failed.forEach((id, e) -> {
      if (reported.add(id)) {
        LOG.warn("sandbox {}: its DNS resolver on 127.0.0.11 could not start, names do not resolve there "
            + "(tried again with every snapshot): {}", id, e.getMessage());
      }
    });
  }

  /** The endpoint's addresses, with or without prefix length (validated by the controller). */
  private static List<InetAddress> addresses(String ipv4, String ipv6) {
    List<InetAddress> out = new ArrayList<>(2);
    if (!ipv4.isEmpty()) {
      out.add(IpPrefix.parse("ipv4_address", ipv4).address());
    }
    if (!ipv6.isEmpty()) {
      out.add(IpPrefix.parse("ipv6_address", ipv6).address());
    }
    return out;
  }

  /** Closes every resolver: the sandboxes stay, and a restarted agent serves them again from its first snapshot. */
  @Override
  public void close() {
    resolvers.close();
  }
}
