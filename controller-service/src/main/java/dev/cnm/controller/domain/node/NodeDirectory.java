package dev.cnm.controller.domain.node;

import dev.cnm.api.v1.Node;
import dev.cnm.api.v1.NodeStatus;
import dev.cnm.api.v1.Sandbox;
import dev.cnm.controller.domain.repository.ObjectRepository;
import dev.cnm.store.client.KvObject;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The nodes as users see them. A node's record lives as long as its agent's lease; a node whose
 * record is gone but which still holds sandboxes is DOWN, not forgotten (its sandboxes and their
 * endpoints stay in the store until it returns or they are deleted).
 */
public final class NodeDirectory {
  private final ObjectRepository repo;
  private final NodeSync sync;

  public NodeDirectory(ObjectRepository repo, NodeSync sync) {
    this.repo = repo;
    this.sync = sync;
  }

  /** Every node by name: the registered ones with the version each acked, then the DOWN ones. */
  public List<Node> list() {
    Map<String, Node> nodes = new TreeMap<>();
    for (KvObject<Node> n : repo.nodes()) {
      nodes.put(n.value().getName(), n.value().toBuilder().setAckedVersion(sync.ackedVersion(n.value().getName())).build());
    }
    Set<String> withSandboxes = new HashSet<>();
    for (KvObject<Sandbox> s : repo.sandboxes()) {
      withSandboxes.add(s.value().getNode());
    }
    for (String n : withSandboxes) {
      nodes.putIfAbsent(n, down(n));
    }
    return List.copyOf(nodes.values());
  }

  /**
   * One node's record (its acked version not filled in), DOWN when only its sandboxes remain;
   * empty when the store holds neither.
   */
  public Optional<Node> node(String name) {
    Optional<Node> record = repo.node(name).map(KvObject::value);
    if (record.isPresent()) {
      return record;
    }
    boolean hasSandboxes = repo.sandboxes().stream().anyMatch(s -> s.value().getNode().equals(name));
    return hasSandboxes ? Optional.of(down(name)) : Optional.empty();
  }

  /** A node without its record: its lease is gone. */
  public static Node down(String name) {
    return Node.newBuilder().setName(name).setStatus(NodeStatus.NODE_STATUS_DOWN).build();
  }
}
