package dev.cnm.controller.domain.desired;

import dev.cnm.api.v1.DesiredState;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.Network;
import dev.cnm.api.v1.NodeNetwork;
import dev.cnm.api.v1.Sandbox;
import dev.cnm.controller.domain.repository.ObjectRepository;
import dev.cnm.controller.driver.DriverRegistry;
import dev.cnm.store.client.KvObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Computes what one node must hold from the store: its sandboxes, the endpoints joined to them
 * and their networks, with each overlay network's peers (its endpoints joined on other live
 * nodes). Pure apart from the reads; version and nonce are set by the session.
 *
 * <p>Over the cached view a node's state is rebuilt on every change to any of its objects, and
 * with hundreds of sandboxes on a node reading and indexing every object again dominated the
 * controller's CPU. So on that view the builder keeps, per node, the entries of its last build
 * ({@link NodeViews}) and updates only the sandboxes whose objects changed since, as the caches'
 * change logs tell; the state it returns is the one a full read would give. Over the store-reading
 * view (diagnostics) every build reads everything.
 */
public final class DesiredStateBuilder {
  private final ObjectRepository repo;
  private final DriverRegistry drivers;
  /** Null unless {@code repo} is the cached view. */
  private final NodeViews views;

  public DesiredStateBuilder(ObjectRepository repo, DriverRegistry drivers) {
    this.repo = repo;
    this.drivers = drivers;
    this.views = repo.isCached() ? new NodeViews(repo.caches()) : null;
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
    if (views != null) {
      NodeViews.Current current = views.current(node);
      return assemble(node, current.entries(), current.networks());
    }
    Map<String, Network> networks = new HashMap<>();
    for (KvObject<Network> n : repo.networks()) {
      networks.put(n.value().getId(), n.value());
    }
    JoinedEndpoints joined = JoinedEndpoints.of(repo.allEndpoints());
    List<SandboxEntry> entries = new ArrayList<>();
    for (KvObject<Sandbox> s : repo.sandboxes()) {
      if (s.value().getNode().equals(node)) {
        entries.add(SandboxEntry.of(s, joined.of(s.value().getId()).values(), networks, null));
      }
    }
    return assemble(node, entries, networks);
  }

  /** The state of {@code node} from its sandboxes' entries (in sandbox key order). */
  private Built assemble(String node, Collection<SandboxEntry> entries, Map<String, Network> networks) {
    DesiredState.Builder out = DesiredState.newBuilder().setNode(node);
    long newest = 0;
    boolean consistent = true;
    Map<String, Network> used = new TreeMap<>();
    for (SandboxEntry e : entries) {
      newest = Math.max(newest, e.newest());
      consistent &= e.consistent();
      out.addSandboxes(e.message());
      for (SandboxEntry.JoinedEndpoint j : e.endpoints()) {
        out.addEndpoints(j.message());
        String networkId = j.source().getNetworkId();
        if (!used.containsKey(networkId)) {
          used.put(networkId, networks.get(networkId));
        }
      }
    }
    OverlayPeers peers = null;
    for (Network n : used.values()) {
      NodeNetwork nn = drivers.require("network.driver", n.getDriver()).nodeNetwork(n);
      if (nn.hasOverlay()) {
        if (peers == null) {
          // read only when the node holds an overlay network: bridge-only nodes pay nothing
          peers = overlayPeers(node);
        }
        nn = nn.toBuilder().setOverlay(nn.getOverlay().toBuilder().addAllPeers(peers.of(n.getId()))).build();
      }
      out.addNetworks(nn);
    }
    return new Built(out.build(), newest, consistent);
  }

  private OverlayPeers overlayPeers(String node) {
    Map<String, Sandbox> sandboxes = new HashMap<>();
    for (KvObject<Sandbox> s : repo.sandboxes()) {
      sandboxes.put(s.value().getId(), s.value());
    }
    List<KvObject<Endpoint>> allEndpoints = repo.allEndpoints();
    return OverlayPeers.of(node, repo.nodes(), sandboxes, allEndpoints);
  }
}
