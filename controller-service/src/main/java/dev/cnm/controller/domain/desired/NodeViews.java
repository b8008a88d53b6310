package dev.cnm.controller.domain.desired;

import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.Network;
import dev.cnm.api.v1.Sandbox;
import dev.cnm.controller.domain.repository.Caches;
import dev.cnm.controller.domain.repository.PrefixCache;
import dev.cnm.controller.domain.repository.StoreKeys;
import dev.cnm.store.client.KvObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Per node, the {@link SandboxEntry sandbox entries} of its last desired state, kept up to date
 * from the caches' change logs: a build first takes what changed since the last one (any node's),
 * marks the sandboxes those changes touch, and remakes only those entries. A change of a network,
 * a reload of a cache or a log that no longer reaches back remakes every entry (reusing their
 * messages where the objects are unchanged). One lock for all nodes: a build is short.
 */
final class NodeViews {
  private final Caches caches;
  private final Map<String, View> views = new HashMap<>();
  /** The view holding each sandbox (by id). */
  private final Map<String, View> owner = new HashMap<>();
  private JoinedEndpoints joined;
  private Map<String, Network> networks = Map.of();
  private long endpointSeq = -1;
  private long sandboxSeq = -1;
  private long networkSeq = -1;

  /** One node's entries by sandbox key, and the sandboxes to remake before its next build. */
  private static final class View {
    final TreeMap<String, SandboxEntry> entries = new TreeMap<>();
    final Set<String> dirty = new HashSet<>();
    boolean remakeAll = true;
  }

  /** A node's entries in sandbox key order, and the networks they were made with. */
  record Current(Collection<SandboxEntry> entries, Map<String, Network> networks) {}

  NodeViews(Caches caches) {
    this.caches = caches;
  }

  synchronized Current current(String node) {
    followNetworks();
    followEndpoints();
    followSandboxes();
    View view = views.computeIfAbsent(node, n -> new View());
    if (view.remakeAll) {
      remakeAll(node, view);
    } else {
      for (String id : view.dirty) {
        remake(node, view, id);
      }
    }
    view.dirty.clear();
    return new Current(new ArrayList<>(view.entries.values()), networks);
  }

  private void followNetworks() {
    PrefixCache.Changes c = caches.networks.changedSince(networkSeq);
    if (c.seq() == networkSeq) {
      return;
    }
    Map<String, Network> byId = new HashMap<>();
    for (KvObject<Network> n : caches.networks.list()) {
      byId.put(n.value().getId(), n.value());
    }
    networks = byId;
    networkSeq = c.seq();
    views.values().forEach(v -> v.remakeAll = true); // rare: an endpoint's gateway may depend on it
  }

  private void followEndpoints() {
    PrefixCache.Changes c = caches.endpoints.changedSince(endpointSeq);
    if (joined == null || !c.complete()) {
      joined = JoinedEndpoints.of(caches.endpoints.list());
      views.values().forEach(v -> v.remakeAll = true);
    } else {
      for (String key : c.keys()) {
        KvObject<Endpoint> now = caches.endpoints.get(key).orElse(null);
        joined.put(key, now, this::touched);
      }
    }
    endpointSeq = c.seq();
  }

  private void followSandboxes() {
    PrefixCache.Changes c = caches.sandboxes.changedSince(sandboxSeq);
    if (!c.complete()) {
      views.values().forEach(v -> v.remakeAll = true);
    } else {
      for (String key : c.keys()) {
        String id = key.substring(StoreKeys.SANDBOXES.length());
        touched(id);
        caches.sandboxes.get(key).ifPresent(s -> {
          View v = views.get(s.value().getNode());
          if (v != null) {
            v.dirty.add(id);
          }
        });
      }
    }
    sandboxSeq = c.seq();
  }

  /** A change of {@code sandboxId} or of its endpoints: the view holding it remakes its entry. */
  private void touched(String sandboxId) {
    View v = owner.get(sandboxId);
    if (v != null) {
      v.dirty.add(sandboxId);
    }
  }

  private void remakeAll(String node, View view) {
    Map<String, SandboxEntry> before = new HashMap<>();
    for (SandboxEntry e : view.entries.values()) {
      before.put(e.sandbox().getId(), e);
      owner.remove(e.sandbox().getId());
    }
    view.entries.clear();
    for (KvObject<Sandbox> s : caches.sandboxes.list()) {
      if (s.value().getNode().equals(node)) {
        String id = s.value().getId();
        view.entries.put(s.key(), SandboxEntry.of(s, joined.of(id).values(), networks, before.get(id)));
        owner.put(id, view);
      }
    }
    view.remakeAll = false;
  }

  private void remake(String node, View view, String id) {
    String key = StoreKeys.sandbox(id);
    KvObject<Sandbox> s = caches.sandboxes.get(key).orElse(null);
    if (s == null || !s.value().getNode().equals(node)) {
      view.entries.remove(key);
      owner.remove(id, view);
      return;
    }
    view.entries.put(key, SandboxEntry.of(s, joined.of(id).values(), networks, view.entries.get(key)));
    owner.put(id, view);
  }
}
