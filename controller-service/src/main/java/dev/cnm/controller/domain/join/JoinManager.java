package dev.cnm.controller.domain.join;

import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.ErrorReason;
import dev.cnm.api.v1.Network;
import dev.cnm.api.v1.PortBinding;
import dev.cnm.api.v1.Sandbox;
import dev.cnm.runtime.ids.Ids;
import dev.cnm.controller.domain.Undo;
import dev.cnm.controller.domain.node.NodeSync;
import dev.cnm.controller.domain.ports.PortAllocator;
import dev.cnm.controller.domain.ports.PortClaims;
import dev.cnm.controller.domain.repository.CachedThenFresh;
import dev.cnm.controller.domain.repository.Commit;
import dev.cnm.controller.domain.repository.ObjectRepository;
import dev.cnm.controller.driver.DriverRegistry;
import dev.cnm.controller.driver.NetworkDriver;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.runtime.ids.Ids;
import dev.cnm.store.client.KvObject;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Join and Leave. A Join writes the endpoint's join state, the sandbox's endpoint list and the
 * published ports' claims in one revision-guarded Txn, then has the node's agent apply it and
 * waits for its ack; if the ack does not come in time the Join is undone.
 */
public final class JoinManager {
  private static final Logger LOG = LoggerFactory.getLogger(JoinManager.class);
  private final ObjectRepository repo;
  private final DriverRegistry drivers;
  private final PortAllocator ports;
  private final NodeSync nodes;

  public JoinManager(ObjectRepository repo, DriverRegistry drivers, PortAllocator ports, NodeSync nodes) {
    this.repo = repo;
    this.drivers = drivers;
    this.ports = ports;
    this.nodes = nodes;
  }

  /** The joined endpoint and its sandbox. */
  public record Joined(Endpoint endpoint, Sandbox sandbox) {}

  public Joined join(String networkRef, String endpointRef, String sandboxRef, int priority, Duration timeout) {
    // a conflict or an error on the cached view may come from a stale copy: decided on the store's
    Joined joined = CachedThenFresh.run(repo,
        view -> Optional.of(tryJoin(view, networkRef, endpointRef, sandboxRef, priority)));
    String node = joined.sandbox().getNode();
    try {
      long version = nodes.publish(node);
      nodes.awaitApplied(node, version, timeout);
      return joined;
    } catch (RuntimeException e) {
      Joined undone = joined;
      Undo.detached(() -> {
        try {
          leaveResolved(undone.endpoint().getNetworkId(), undone.endpoint().getId(), undone.sandbox().getId(),
              Duration.ZERO);
        } catch (RuntimeException undo) {
          LOG.warn("undoing join of " + undone.endpoint().getId() + " failed: " + undo.getMessage());
        }
      });
      if (e instanceof CnmException c && c.kind() == ErrorKind.DEADLINE_EXCEEDED) {
        throw new CnmException(ErrorKind.DEADLINE_EXCEEDED, ErrorReason.AGENT_TIMEOUT, "node \"" + node
            + "\" did not apply the join in time; the join was undone", Map.of("node", node), e);
      }
      throw e;
    }
  }

  private Joined tryJoin(ObjectRepository repo, String networkRef, String endpointRef, String sandboxRef,
      int priority) {
    KvObject<Endpoint> epKv = repo.endpoint("network", networkRef, "endpoint", endpointRef);
    KvObject<Sandbox> sbKv = repo.sandbox("sandbox", sandboxRef);
    Endpoint ep = epKv.value();
    Sandbox sb = sbKv.value();
    if (!ep.getSandboxId().isEmpty()) {
      throw new CnmException(ErrorKind.ALREADY_EXISTS, ErrorReason.ENDPOINT_ALREADY_JOINED, "endpoint: \"" + ep.getName()
          + "\" is already joined to sandbox " + Ids.shortId(ep.getSandboxId()),
          Map.of("field", "endpoint", "sandbox_id", ep.getSandboxId()), null);
    }
    Network net = repo.networkById(ep.getNetworkId())
        .orElseThrow(() -> CnmException.notFound("network", "the endpoint's network is gone")).value();
    NetworkDriver driver = drivers.require("network.driver", net.getDriver());
    HostNetworkRule.checkJoin(sb, net, driver.sharesHostNamespace());
    boolean publishes = driver.publishesPorts() && ep.getPortBindingsCount() > 0;
    // the claims are read only for an endpoint that publishes ports, and only its node's
    PortClaims claims = publishes ? PortClaims.read(repo.store(), sb.getNode()) : PortClaims.none(sb.getNode());
    List<PortBinding> portMap = publishes
        ? ports.allocate(ep.getPortBindingsList(), claims, net.getOptionsOrDefault("host_binding_ipv4", "0.0.0.0"))
        : List.of();
    Endpoint.Builder joined = ep.toBuilder().setSandboxId(sb.getId()).setPriority(priority)
        .clearPortMap().addAllPortMap(portMap);
    if (driver.createsInterfaces()) {
      joined.setInterfaceName(nextInterface(repo, sb));
      if (net.getIpam().getIpv4Count() > 0 && !net.getInternal()) {
        joined.setGatewayIpv4(net.getIpam().getIpv4(0).getGateway());
      }
      if (net.getEnableIpv6() && net.getIpam().getIpv6Count() > 0 && !net.getInternal()) {
        joined.setGatewayIpv6(net.getIpam().getIpv6(0).getGateway());
      }
    }
    Sandbox newSb = sb.toBuilder().addEndpointIds(ep.getId()).build();
    Commit commit = repo.commit().update(epKv, joined.build()).update(sbKv, newSb);
    claims.claim(commit.portClaims(), portMap, ep.getId());
    long rev = commit.commit();
    return new Joined(joined.setRevision(rev).build(), newSb.toBuilder().setRevision(rev).build());
  }

  /** The first ethN not used by the sandbox's joined endpoints. */
  private static String nextInterface(ObjectRepository repo, Sandbox sb) {
    if (sb.getEndpointIdsCount() == 0) {
      return "eth0"; // the common first join: no need to list every endpoint
    }
    Set<String> used = new HashSet<>();
    for (KvObject<Endpoint> e : repo.allEndpoints()) {
      if (e.value().getSandboxId().equals(sb.getId())) {
        used.add(e.value().getInterfaceName());
      }
    }
    for (int i = 0; ; i++) {
      if (!used.contains("eth" + i)) {
        return "eth" + i;
      }
    }
  }

  private record Pair(Endpoint endpoint, Sandbox sandbox) {}

  /** Leave by references; FAILED_PRECONDITION if the endpoint is not joined to that sandbox. */
  public void leave(String networkRef, String endpointRef, String sandboxRef, Duration timeout) {
    Pair refs = CachedThenFresh.run(repo, view -> Optional.of(new Pair(
        view.endpoint("network", networkRef, "endpoint", endpointRef).value(),
        view.sandbox("sandbox", sandboxRef).value())));
    leaveResolved(refs.endpoint().getNetworkId(), refs.endpoint().getId(), refs.sandbox().getId(), timeout);
  }

  /** Leave with a short wait (used by forced deletes). */
  public void leave(String networkId, String endpointId, String sandboxId) {
    leaveResolved(networkId, endpointId, sandboxId, Duration.ofSeconds(5));
  }

  void leaveResolved(String networkId, String endpointId, String sandboxId, Duration timeout) {
    // the errors are decided on the store's copy; a conflict may also be a release racing another
    // on one port's marker (PortClaims)
    String node = CachedThenFresh.run(repo, view -> {
      KvObject<Endpoint> epKv = view.endpointById(networkId, endpointId)
          .orElseThrow(() -> CnmException.notFound("endpoint", "endpoint " + endpointId + " is gone"));
      KvObject<Sandbox> sbKv = view.sandboxById(sandboxId)
          .orElseThrow(() -> CnmException.notFound("sandbox", "sandbox " + sandboxId + " is gone"));
      Endpoint ep = epKv.value();
      if (!ep.getSandboxId().equals(sandboxId)) {
        throw new CnmException(ErrorKind.FAILED_PRECONDITION, ErrorReason.ENDPOINT_NOT_JOINED, "endpoint: \"" + ep.getName()
            + "\" is not joined to sandbox " + Ids.shortId(sandboxId), Map.of("field", "endpoint"), null);
      }
      Commit commit = repo.commit().update(epKv, detached(ep))
          .update(sbKv, withoutEndpoint(sbKv.value(), endpointId));
      PortClaims.release(repo.store(), commit.portClaims(), sbKv.value().getNode(), ep.getPortMapList());
      commit.commit();
      return Optional.of(sbKv.value().getNode());
    });
    long version = nodes.publish(node);
    if (!timeout.isZero() && nodes.isConnected(node)) {
      try {
        nodes.awaitApplied(node, version, timeout);
      } catch (CnmException e) {
        // the store is authoritative: the agent converges on its next snapshot
        LOG.warn("node " + node + " did not confirm leave of " + endpointId + ": " + e.getMessage());
      }
    }
  }

  public static Endpoint detached(Endpoint ep) {
    return ep.toBuilder().clearSandboxId().clearInterfaceName().clearGatewayIpv4().clearGatewayIpv6()
        .clearPortMap().clearPriority().build();
  }

  public static Sandbox withoutEndpoint(Sandbox sb, String endpointId) {
    Sandbox.Builder b = sb.toBuilder().clearEndpointIds();
    for (String id : sb.getEndpointIdsList()) {
      if (!id.equals(endpointId)) {
        b.addEndpointIds(id);
      }
    }
    return b.build();
  }
}
