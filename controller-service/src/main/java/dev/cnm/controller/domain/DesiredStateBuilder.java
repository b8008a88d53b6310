package dev.cnm.controller.domain;

import dev.cnm.api.v1.DesiredState;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.Network;
import dev.cnm.api.v1.NodeEndpoint;
import dev.cnm.api.v1.NodeNetwork;
import dev.cnm.api.v1.NodeSandbox;
import dev.cnm.api.v1.Sandbox;
import dev.cnm.controller.driver.DriverRegistry;
import dev.cnm.store.client.KvObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Computes what one node must hold from the store: its sandboxes, the endpoints joined to them
 * and their networks, with each overlay network's peers (its endpoints joined on other live
 * nodes). Pure apart from the reads; version and nonce are set by the session.
 */
public final class DesiredStateBuilder {
  private final ObjectRepository repo;
  private final DriverRegistry drivers;
  /**
   * Per node, the entries its last state was built from. A node's state is rebuilt on every
   * change to any of its objects, and on a node with hundreds of sandboxes converting every
   * unchanged one again dominated a Join; an entry is reused while its source object is the same
   * instance (the caches keep an object's instance until it changes). Only the entries of the
   * latest build are kept, so deleted objects drop out. Builds of one node are serialised by the
   * caller (the node's session lock), so each node's memo has one writer at a time.
   */
  private final Map<String, Memo> memos = new java.util.concurrent.ConcurrentHashMap<>();

  /** What one build of a node converted, by object id. */
  private record Memo(Map<String, Converted<Sandbox, NodeSandbox>> sandboxes,
      Map<String, Converted<Endpoint, NodeEndpoint>> endpoints) {
    static Memo empty() {
      return new Memo(new HashMap<>(), new HashMap<>());
    }
  }

  /** A node-state message and the store object (and gateway choice) it was made from. */
  private record Converted<S, N>(S source, boolean gateway, N message) {}

  public DesiredStateBuilder(ObjectRepository repo, DriverRegistry drivers) {
    this.repo = repo;
    this.drivers = drivers;
  }

  /**
   * A desired state with the store revisions it reflects: {@code newest} is the highest
   * modification revision among the node's sandboxes and the endpoints joined to them in the view
   * it was built from; {@code consistent} is false when that view showed a sandbox and its
   * endpoints at different points (the kinds are fed by separate watches that may lag each other),
   * so the state may miss part of a change at or below {@code newest}.
   */
  public record Built(DesiredState state, long newest, boolean consistent) {
    /** The revision the state is known to be complete up to (0: none claimed). */
    public long covered() {
      return consistent ? newest : 0;
    }
  }

  public DesiredState build(String node) {
    return buildCovered(node).state();
  }

  public Built buildCovered(String node) {
    Memo last = memos.getOrDefault(node, Memo.empty());
    Memo memo = Memo.empty();
    long newest = 0;
    DesiredState.Builder out = DesiredState.newBuilder().setNode(node);
    Map<String, Sandbox> sandboxes = new LinkedHashMap<>();
    Map<String, String> nodeOfSandbox = new HashMap<>();
    for (KvObject<Sandbox> s : repo.sandboxes()) {
      nodeOfSandbox.put(s.value().getId(), s.value().getNode());
      if (s.value().getNode().equals(node)) {
        sandboxes.put(s.value().getId(), s.value());
        newest = Math.max(newest, s.modRevision());
      }
    }
    Map<String, Network> networks = new HashMap<>();
    for (KvObject<Network> n : repo.networks()) {
      networks.put(n.value().getId(), n.value());
    }
    Map<String, List<Endpoint>> bySandbox = new HashMap<>();
    List<KvObject<Endpoint>> allEndpoints = repo.allEndpoints();
    for (KvObject<Endpoint> e : allEndpoints) {
      if (sandboxes.containsKey(e.value().getSandboxId())) {
        newest = Math.max(newest, e.modRevision());
      }
      if (sandboxes.containsKey(e.value().getSandboxId()) && networks.containsKey(e.value().getNetworkId())) {
        bySandbox.computeIfAbsent(e.value().getSandboxId(), k -> new ArrayList<>()).add(e.value());
      }
    }
    Map<String, Network> used = new java.util.TreeMap<>();
    boolean consistent = true;
    for (Sandbox sb : sandboxes.values()) {
      List<Endpoint> joined = bySandbox.getOrDefault(sb.getId(), List.of());
      if (joined.size() != sb.getEndpointIdsCount()
          || !joined.stream().allMatch(e -> sb.getEndpointIdsList().contains(e.getId()))) {
        consistent = false; // the sandbox's endpoint list and the endpoints' own records disagree
      }
      Converted<Sandbox, NodeSandbox> cs = last.sandboxes().get(sb.getId());
      if (cs == null || cs.source() != sb) {
        cs = new Converted<>(sb, false, nodeSandbox(sb));
      }
      memo.sandboxes().put(sb.getId(), cs);
      out.addSandboxes(cs.message());
      List<Endpoint> eps = bySandbox.getOrDefault(sb.getId(), List.of());
      Endpoint gateway = gatewayEndpoint(sb, eps, networks);
      for (Endpoint e : eps) {
        Network n = networks.get(e.getNetworkId());
        used.put(n.getId(), n);
        Converted<Endpoint, NodeEndpoint> ce = last.endpoints().get(e.getId());
        if (ce == null || ce.source() != e || ce.gateway() != (e == gateway)) {
          ce = new Converted<>(e, e == gateway, nodeEndpoint(e, e == gateway));
        }
        memo.endpoints().put(e.getId(), ce);
        out.addEndpoints(ce.message());
      }
    }
    memos.put(node, memo);
    OverlayPeers peers = null;
    for (Network n : used.values()) {
      NodeNetwork nn = drivers.require("network.driver", n.getDriver()).nodeNetwork(n);
      if (nn.hasOverlay()) {
        if (peers == null) {
          // read only when the node holds an overlay network: bridge-only nodes pay nothing
          peers = OverlayPeers.of(node, repo.nodes(), nodeOfSandbox, allEndpoints);
        }
        nn = nn.toBuilder().setOverlay(nn.getOverlay().toBuilder().addAllPeers(peers.of(n.getId()))).build();
      }
      out.addNetworks(nn);
    }
    return new Built(out.build(), newest, consistent);
  }

  private static NodeSandbox nodeSandbox(Sandbox sb) {
    return NodeSandbox.newBuilder().setId(sb.getId()).setContainerId(sb.getContainerId())
        .setExternalKey(sb.getExternalKey()).setHostname(sb.getHostname()).setDomainName(sb.getDomainName())
        .addAllDnsServers(sb.getDnsServersList()).addAllDnsSearch(sb.getDnsSearchList())
        .addAllDnsOptions(sb.getDnsOptionsList()).addAllExtraHosts(sb.getExtraHostsList()).build();
  }

  private static NodeEndpoint nodeEndpoint(Endpoint e, boolean gateway) {
    return NodeEndpoint.newBuilder().setId(e.getId()).setName(e.getName())
        .setNetworkId(e.getNetworkId()).setSandboxId(e.getSandboxId()).setInterfaceName(e.getInterfaceName())
        .setMacAddress(e.getMacAddress()).setIpv4Address(e.getIpv4Address()).setIpv6Address(e.getIpv6Address())
        .setDefaultGateway(gateway).addAllPortMap(e.getPortMapList()).addAllAliases(e.getAliasesList())
        .setPriority(e.getPriority()).build();
  }

  /**
   * The endpoint that gives the sandbox its default route, as libnetwork orders a sandbox's
   * endpoints: the highest priority first, then endpoints of non-internal networks, then join
   * order. Endpoints without a gateway (internal, null, host) never qualify.
   */
  static Endpoint gatewayEndpoint(Sandbox sb, List<Endpoint> eps, Map<String, Network> networks) {
    List<String> order = sb.getEndpointIdsList();
    return eps.stream()
        .filter(e -> !e.getGatewayIpv4().isEmpty() || !e.getGatewayIpv6().isEmpty())
        .min(Comparator.<Endpoint>comparingInt(e -> -e.getPriority())
            .thenComparing(e -> networks.get(e.getNetworkId()).getInternal())
            .thenComparingInt(e -> order.indexOf(e.getId()) < 0 ? Integer.MAX_VALUE : order.indexOf(e.getId())))
        .orElse(null);
  }
}
