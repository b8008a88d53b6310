package dev.cnm.controller.domain.sandbox;

import com.google.protobuf.StringValue;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.ErrorReason;
import dev.cnm.api.v1.Node;
import dev.cnm.api.v1.ObjectStatus;
import dev.cnm.api.v1.PortBinding;
import dev.cnm.api.v1.Sandbox;
import dev.cnm.runtime.ids.Ids;
import dev.cnm.controller.domain.join.JoinManager;
import dev.cnm.controller.domain.network.NetworkManager;
import dev.cnm.controller.domain.node.NodeSync;
import dev.cnm.controller.domain.ports.PortClaims;
import dev.cnm.controller.domain.repository.CachedThenFresh;
import dev.cnm.controller.domain.repository.Commit;
import dev.cnm.controller.domain.repository.ObjectRepository;
import dev.cnm.controller.domain.repository.StoreKeys;
import dev.cnm.controller.domain.validation.ObjectNames;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.runtime.ids.Ids;
import dev.cnm.store.client.KvObject;
import dev.cnm.store.client.StoreConflictException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** CreateSandbox and DeleteSandbox. */
public final class SandboxManager {
  private static final Logger LOG = LoggerFactory.getLogger(SandboxManager.class);
  private final ObjectRepository repo;
  private final NodeSync nodes;

  public SandboxManager(ObjectRepository repo, NodeSync nodes) {
    this.repo = repo;
    this.nodes = nodes;
  }

  public Sandbox create(Sandbox req, Duration timeout) {
    String containerId = ObjectNames.require("sandbox.container_id", req.getContainerId());
    SandboxRules.check(req);
    KvObject<Node> nodeRecord = resolveNode(req.getNode());
    String node = nodeRecord.value().getName();
    if (req.getHostNetwork() && !req.getExternalKey().isEmpty()) {
      throw CnmException.invalidArgument("sandbox.external_key", "must be empty for a host_network sandbox, "
          + "which uses its node's own namespace");
    }
    String claim = StoreKeys.name("local", "sandbox", containerId);
    String id = Ids.newId();
    // the key of a namespace the agent makes is its directory + the sandbox id: stored in the create
    // Txn, so the agent's ack needs no second write (an agent that names no directory still gets one);
    // a host-mode sandbox's key is the path the agent keeps on its own namespace, recorded from the ack
    String keyDir = nodeRecord.value().getSandboxKeyDirectory();
    String key = req.getHostNetwork() ? ""
        : !req.getExternalKey().isEmpty() || keyDir.isEmpty() ? req.getExternalKey()
        : keyDir + (keyDir.endsWith("/") ? "" : "/") + id;
    Sandbox value = SandboxFilePaths.of(nodeRecord.value(), id, req.toBuilder().setId(id).setContainerId(containerId)
        .setNode(node).setKey(key).clearEndpointIds().clearRevision().setCreateTime(NetworkManager.now())).build();
    long rev;
    try {
      rev = repo.commit().create(StoreKeys.sandbox(id), value).create(claim, StringValue.of(id)).commit();
    } catch (StoreConflictException e) {
      throw new CnmException(ErrorKind.ALREADY_EXISTS, ErrorReason.NAME_IN_USE, "sandbox.container_id: container \""
          + containerId + "\" already has a sandbox", Map.of("field", "sandbox.container_id"), null);
    }
    try {
      long version = nodes.publish(node);
      Map<String, ObjectStatus> applied = nodes.awaitApplied(node, version, timeout);
      ObjectStatus st = applied.get(id);
      if (st != null && !st.getKey().isEmpty() && !st.getKey().equals(value.getKey())) {
        return recordKey(new KvObject<>(StoreKeys.sandbox(id), value, rev, rev, 1, 0), st.getKey());
      }
      return value.toBuilder().setRevision(rev).build();
    } catch (RuntimeException e) {
      try {
        repo.fresh().sandboxById(id).ifPresent(kv -> repo.commit().delete(kv).deleteKey(claim).commit());
        nodes.publish(node);
      } catch (RuntimeException undo) {
        LOG.warn("undoing sandbox " + id + " failed: " + undo.getMessage());
      }
      throw SandboxRules.agentRefusal(value, e);
    }
  }

  /**
   * Writes the namespace path the agent reported, guarded by the revision the sandbox was
   * created at (no read in the common case); re-reads only if something changed it meanwhile.
   */
  private Sandbox recordKey(KvObject<Sandbox> created, String key) {
    String id = created.value().getId();
    return CachedThenFresh.run(repo, view -> {
      KvObject<Sandbox> current = view.isCached() ? created : view.sandboxById(id)
          .orElseThrow(() -> CnmException.notFound("sandbox", "sandbox " + id + " is gone"));
      Sandbox withKey = current.value().toBuilder().setKey(key).build();
      long r = repo.commit().update(current, withKey).commit();
      return Optional.of(withKey.toBuilder().setRevision(r).build());
    });
  }

  private KvObject<Node> resolveNode(String node) {
    if (node.isEmpty()) {
      List<KvObject<Node>> all = repo.cached().nodes();
      if (all.size() != 1) {
        all = repo.fresh().nodes(); // decided on the store's copy
      }
      if (all.size() != 1) {
        throw CnmException.invalidArgument("sandbox.node", "required when " + all.size() + " nodes are registered");
      }
      return all.get(0);
    }
    return repo.cached().node(node).orElseThrow(() -> new CnmException(ErrorKind.NOT_FOUND, ErrorReason.NODE_NOT_FOUND,
        "sandbox.node: no registered node \"" + node + "\"", Map.of("field", "sandbox.node", "node", node), null));
  }

  /** Leaves every joined endpoint and deletes the sandbox, in one Txn. */
  public void delete(String ref, Duration timeout) {
    // the first attempt reads from memory; the Txn's guards catch a stale copy and the next reads the store
    KvObject<Sandbox> sb = CachedThenFresh.run(repo, view -> {
      KvObject<Sandbox> read = view.sandbox("sandbox", ref);
      String claim = StoreKeys.name("local", "sandbox", read.value().getContainerId());
      Commit commit = repo.commit().delete(read).deleteKey(claim);
      int joined = 0;
      List<PortBinding> freed = new ArrayList<>();
      for (KvObject<Endpoint> ep : view.allEndpoints()) {
        if (ep.value().getSandboxId().equals(read.value().getId())) {
          joined++;
          commit.update(ep, JoinManager.detached(ep.value()));
          freed.addAll(ep.value().getPortMapList());
        }
      }
      PortClaims.release(repo.store(), commit.portClaims(), read.value().getNode(), freed);
      if (view.isCached() && joined != read.value().getEndpointIdsCount()) {
        return Optional.empty(); // the copy in memory misses a joined endpoint
      }
      commit.commit();
      return Optional.of(read);
    });
    String node = sb.value().getNode();
    long version = nodes.publish(node);
    if (nodes.isConnected(node)) {
      try {
        nodes.awaitApplied(node, version, timeout);
      } catch (CnmException e) {
        LOG.warn("node " + node + " did not confirm deletion of sandbox " + sb.value().getId() + ": " + e.getMessage());
      }
    }
  }
}
