package dev.cnm.controller.domain.desired;

import dev.cnm.api.v1.Endpoint;
import dev.cnm.store.client.KvObject;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The endpoints joined to each sandbox (of every node), in endpoint key order: what the
 * desired-state builder would otherwise find by reading every endpoint for every build.
 * Unjoined endpoints are not kept. Not thread-safe: its owner serialises access.
 */
final class JoinedEndpoints {
  private final Map<String, TreeMap<String, KvObject<Endpoint>>> bySandbox = new HashMap<>();
  /** The sandbox each kept endpoint (by key) is joined to. */
  private final Map<String, String> sandboxOf = new HashMap<>();

  /** An index of {@code endpoints}. */
  static JoinedEndpoints of(List<KvObject<Endpoint>> endpoints) {
    JoinedEndpoints index = new JoinedEndpoints();
    for (KvObject<Endpoint> e : endpoints) {
      index.put(e.key(), e, id -> { });
    }
    return index;
  }

  /**
   * Records the endpoint under {@code key} as it is now ({@code null}: gone), telling
   * {@code touched} each sandbox whose list changed (the one it left and the one it joined).
   */
  void put(String key, KvObject<Endpoint> endpoint, Consumer<String> touched) {
    String was = sandboxOf.remove(key);
    if (was != null) {
      TreeMap<String, KvObject<Endpoint>> list = bySandbox.get(was);
      list.remove(key);
      if (list.isEmpty()) {
        bySandbox.remove(was);
      }
      touched.accept(was);
    }
    String now = endpoint == null ? "" : endpoint.value().getSandboxId();
    if (!now.isEmpty()) {
      sandboxOf.put(key, now);
      bySandbox.computeIfAbsent(now, k -> new TreeMap<>()).put(key, endpoint);
      if (!now.equals(was)) {
        touched.accept(now);
      }
    }
  }

  /** The endpoints joined to {@code sandboxId}, by key. */
  SortedMap<String, KvObject<Endpoint>> of(String sandboxId) {
    TreeMap<String, KvObject<Endpoint>> list = bySandbox.get(sandboxId);
    return list == null ? Collections.emptySortedMap() : Collections.unmodifiableSortedMap(list);
  }
}
