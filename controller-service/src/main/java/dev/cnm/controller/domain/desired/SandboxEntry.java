package dev.cnm.controller.domain.desired;

import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.Network;
import dev.cnm.api.v1.NodeEndpoint;
import dev.cnm.api.v1.NodeSandbox;
import dev.cnm.api.v1.Sandbox;
import dev.cnm.store.client.KvObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * One sandbox of a node's desired state: its message, the messages of the endpoints joined to it
 * (in endpoint key order), the newest store revision among them and whether the sandbox's
 * endpoint list agrees with the endpoints' own records. Made from the store objects; the
 * messages of an entry made before are reused while their source objects are the same instances
 * (the caches keep an object's instance until it changes).
 */
record SandboxEntry(Sandbox sandbox, NodeSandbox message, List<JoinedEndpoint> endpoints, long newest,
    boolean consistent) {

  /** A node-state endpoint message and the store object (and gateway choice) it was made from. */
  record JoinedEndpoint(Endpoint source, boolean gateway, NodeEndpoint message) {}

  /**
   * The entry of {@code sandbox} with the endpoints joined to it; {@code networks} by id (an
   * endpoint of a network that is gone is left out); {@code previous} the entry made before, or null.
   */
  static SandboxEntry of(KvObject<Sandbox> sandbox, Collection<KvObject<Endpoint>> joined,
      Map<String, Network> networks, SandboxEntry previous) {
    Sandbox sb = sandbox.value();
    long newest = sandbox.modRevision();
    List<Endpoint> eps = new ArrayList<>(joined.size());
    for (KvObject<Endpoint> e : joined) {
      newest = Math.max(newest, e.modRevision());
      if (networks.containsKey(e.value().getNetworkId())) {
        eps.add(e.value());
      }
    }
    // false when the sandbox's endpoint list and the endpoints' own records disagree (the kinds
    // are fed by separate watches that may lag each other)
    boolean consistent = eps.size() == sb.getEndpointIdsCount();
    for (int i = 0; consistent && i < eps.size(); i++) {
      consistent = sb.getEndpointIdsList().contains(eps.get(i).getId());
    }
    NodeSandbox message = previous != null && previous.sandbox() == sb ? previous.message() : nodeSandbox(sb);
    Endpoint gateway = gatewayEndpoint(sb, eps, networks);
    List<JoinedEndpoint> converted = new ArrayList<>(eps.size());
    for (Endpoint e : eps) {
      JoinedEndpoint before = previous == null ? null : previous.endpoint(e.getId());
      converted.add(before != null && before.source() == e && before.gateway() == (e == gateway) ? before
          : new JoinedEndpoint(e, e == gateway, nodeEndpoint(e, e == gateway)));
    }
    return new SandboxEntry(sb, message, converted, newest, consistent);
  }

  private JoinedEndpoint endpoint(String id) {
    for (JoinedEndpoint e : endpoints) {
      if (e.source().getId().equals(id)) {
        return e;
      }
    }
    return null;
  }

  private static NodeSandbox nodeSandbox(Sandbox sb) {
    return NodeSandbox.newBuilder().setId(sb.getId()).setContainerId(sb.getContainerId())
        .setExternalKey(sb.getExternalKey()).setHostname(sb.getHostname()).setDomainName(sb.getDomainName())
        .addAllDnsServers(sb.getDnsServersList()).addAllDnsSearch(sb.getDnsSearchList())
        .addAllDnsOptions(sb.getDnsOptionsList()).addAllExtraHosts(sb.getExtraHostsList())
        .setHostNetwork(sb.getHostNetwork()).build();
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
    if (eps.size() == 1) {
      Endpoint only = eps.get(0); // the common case, without the ordering below
      return only.getGatewayIpv4().isEmpty() && only.getGatewayIpv6().isEmpty() ? null : only;
    }
    List<String> order = sb.getEndpointIdsList();
    return eps.stream()
        .filter(e -> !e.getGatewayIpv4().isEmpty() || !e.getGatewayIpv6().isEmpty())
        .min(Comparator.<Endpoint>comparingInt(e -> -e.getPriority())
            .thenComparing(e -> networks.get(e.getNetworkId()).getInternal())
            .thenComparingInt(e -> order.indexOf(e.getId()) < 0 ? Integer.MAX_VALUE : order.indexOf(e.getId())))
        .orElse(null);
  }
}
