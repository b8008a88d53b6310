package dev.cnm.controller.domain;

import com.google.protobuf.StringValue;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.HostEntry;
import dev.cnm.api.v1.Node;
import dev.cnm.api.v1.ObjectStatus;
import dev.cnm.api.v1.PortBinding;
import dev.cnm.api.v1.Sandbox;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.store.client.KvObject;
import dev.cnm.store.client.StoreConflictException;
import dev.cnm.store.client.StoreTxn;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/** CreateSandbox and DeleteSandbox. */
public final class SandboxManager {
  private static final Logger LOG = Logger.getLogger(SandboxManager.class.getName());
  private final ObjectRepository repo;
  private final NodeSync nodes;

  public SandboxManager(ObjectRepository repo, NodeSync nodes) {
    this.repo = repo;
    this.nodes = nodes;
  }

  public Sandbox create(Sandbox req, Duration timeout) {
    String containerId = ObjectNames.require("sandbox.container_id", req.getContainerId());
    String node = resolveNode(req.getNode());
    if (!req.getExternalKey().isEmpty() && !req.getExternalKey().startsWith("/")) {
      throw CnmException.invalidArgument("sandbox.external_key", "must be an absolute namespace path");
    }
    for (int i = 0; i < req.getDnsServersCount(); i++) {
      Cidr.parseAddress("sandbox.dns_servers[" + i + "]", req.getDnsServers(i));
    }
    for (int i = 0; i < req.getExtraHostsCount(); i++) {
      HostEntry h = req.getExtraHosts(i);
      if (h.getHostname().isEmpty() || h.getHostname().contains(" ")) {
        throw CnmException.invalidArgument("sandbox.extra_hosts[" + i + "].hostname", "must be one non-empty word");
      }
      Cidr.parseAddress("sandbox.extra_hosts[" + i + "].address", h.getAddress());
    }
    String claim = StoreKeys.name("local", "sandbox", containerId);
    String id = Ids.newId();
    Sandbox value = req.toBuilder().setId(id).setContainerId(containerId).setNode(node)
        .setKey(req.getExternalKey()).clearEndpointIds().clearHostsPath().clearResolvConfPath()
        .clearRevision().setCreateTime(NetworkManager.now()).build();
    long rev;
    try {
      rev = repo.store().txn().create(StoreKeys.sandbox(id), value).create(claim, StringValue.of(id)).commit();
    } catch (StoreConflictException e) {
      throw new CnmException(ErrorKind.ALREADY_EXISTS, "NAME_IN_USE", "sandbox.container_id: container \""
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
        repo.sandboxById(id).ifPresent(kv -> repo.store().txn().delete(kv).deleteKey(claim).commit());
        nodes.publish(node);
      } catch (RuntimeException undo) {
        LOG.warning("undoing sandbox " + id + " failed: " + undo.getMessage());
      }
      throw e;
    }
  }

  /**
   * Writes the namespace path the agent reported, guarded by the revision the sandbox was
   * created at (no read in the common case); re-reads only if something changed it meanwhile.
   */
  private Sandbox recordKey(KvObject<Sandbox> created, String key) {
    KvObject<Sandbox> current = created;
    for (int attempt = 0; ; attempt++) {
      Sandbox withKey = current.value().toBuilder().setKey(key).build();
      try {
        long r = repo.store().update(current, withKey).modRevision();
        return withKey.toBuilder().setRevision(r).build();
      } catch (StoreConflictException e) {
        if (attempt >= 7) {
          throw e;
        }
        current = repo.sandboxById(created.value().getId()).orElseThrow(() -> e);
      }
    }
  }

  private String resolveNode(String node) {
    if (node.isEmpty()) {
      List<KvObject<Node>> all = repo.nodes();
      if (all.size() != 1) {
        throw CnmException.invalidArgument("sandbox.node", "required when " + all.size() + " nodes are registered");
      }
      return all.get(0).value().getName();
    }
    if (repo.node(node).isEmpty()) {
      throw new CnmException(ErrorKind.NOT_FOUND, "NODE_NOT_FOUND", "sandbox.node: no registered node \"" + node + "\"",
          Map.of("field", "sandbox.node", "node", node), null);
    }
    return node;
  }

  /** Leaves every joined endpoint and deletes the sandbox, in one Txn. */
  public void delete(String ref, Duration timeout) {
    for (int attempt = 0; ; attempt++) {
      KvObject<Sandbox> sb = repo.sandbox("sandbox", ref);
      StoreTxn txn = repo.store().txn().delete(sb)
          .deleteKey(StoreKeys.name("local", "sandbox", sb.value().getContainerId()));
      for (KvObject<Endpoint> ep : repo.allEndpoints()) {
        if (ep.value().getSandboxId().equals(sb.value().getId())) {
          txn.update(ep, JoinManager.detached(ep.value()));
          for (PortBinding b : ep.value().getPortMapList()) {
            txn.deleteKey(StoreKeys.port(PortRules.protocol("protocol", b.getProtocol()), b.getHostPort()));
          }
        }
      }
      try {
        txn.commit();
      } catch (StoreConflictException e) {
        if (attempt < 7) {
          continue;
        }
        throw e;
      }
      String node = sb.value().getNode();
      long version = nodes.publish(node);
      if (nodes.isConnected(node)) {
        try {
          nodes.awaitApplied(node, version, timeout);
        } catch (CnmException e) {
          LOG.warning("node " + node + " did not confirm deletion of sandbox " + sb.value().getId() + ": " + e.getMessage());
        }
      }
      return;
    }
  }
}
