package dev.cnm.controller.domain.query;

import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.Node;
import dev.cnm.api.v1.Sandbox;
import dev.cnm.controller.domain.repository.ObjectRepository;
import dev.cnm.store.client.KvObject;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Marks endpoints joined on a down node (Endpoint.node_down). A node is down when its leased
 * record is gone; its endpoints stay in the store and are shown this way until it returns.
 */
final class EndpointNodeStatus {
  private EndpointNodeStatus() {}

  /** One endpoint: two point reads, only when it is joined. */
  static Endpoint mark(ObjectRepository repo, Endpoint e) {
    if (e.getSandboxId().isEmpty()) {
      return e;
    }
    String node = repo.sandboxById(e.getSandboxId()).map(s -> s.value().getNode()).orElse(null);
    boolean down = node != null && repo.node(node).isEmpty();
    return down ? e.toBuilder().setNodeDown(true).build() : e;
  }

  /** Many endpoints: one read of the sandboxes and one of the node records, when any is joined. */
  static List<Endpoint> markAll(ObjectRepository repo, List<Endpoint> endpoints) {
    if (endpoints.stream().allMatch(e -> e.getSandboxId().isEmpty())) {
      return endpoints;
    }
    Map<String, String> nodeOf = new HashMap<>();
    for (KvObject<Sandbox> s : repo.sandboxes()) {
      nodeOf.put(s.value().getId(), s.value().getNode());
    }
    Set<String> live = new HashSet<>();
    for (KvObject<Node> n : repo.nodes()) {
      live.add(n.value().getName());
    }
    return endpoints.stream().map(e -> {
      String node = nodeOf.get(e.getSandboxId());
      return node != null && !live.contains(node) ? e.toBuilder().setNodeDown(true).build() : e;
    }).toList();
  }
}
