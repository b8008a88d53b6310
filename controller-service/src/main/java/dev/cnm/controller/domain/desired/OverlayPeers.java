package dev.cnm.controller.domain.desired;

import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.Node;
import dev.cnm.api.v1.OverlayPeer;
import dev.cnm.api.v1.Sandbox;
import dev.cnm.store.client.KvObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The remote endpoints of overlay networks as one node must know them: every endpoint joined to
 * a sandbox on another node whose record (leased, so present only while its agent is alive)
 * exists, with that node's advertise address as the VXLAN destination. Endpoints of down nodes
 * are left out; they come back when their node registers again. Each peer carries the names the
 * embedded DNS resolvers answer for it (endpoint name, aliases, its sandbox's container id and
 * host name), so a name leaves every other node with the peer.
 */
final class OverlayPeers {
  private final String self;
  private final Map<String, String> liveAddresses;
  private final Map<String, Sandbox> sandboxes;
  private final Map<String, List<Endpoint>> joinedByNetwork;

  private OverlayPeers(String self, Map<String, String> liveAddresses, Map<String, Sandbox> sandboxes,
      Map<String, List<Endpoint>> joinedByNetwork) {
    this.self = self;
    this.liveAddresses = liveAddresses;
    this.sandboxes = sandboxes;
    this.joinedByNetwork = joinedByNetwork;
  }

  /** From one read of the node records and the endpoint and sandbox lists the build already made. */
  static OverlayPeers of(String self, List<KvObject<Node>> nodes, Map<String, Sandbox> sandboxes,
      List<KvObject<Endpoint>> endpoints) {
    Map<String, String> live = new HashMap<>();
    for (KvObject<Node> n : nodes) {
      live.put(n.value().getName(), n.value().getAdvertiseAddress());
    }
    Map<String, List<Endpoint>> joined = new HashMap<>();
    for (KvObject<Endpoint> e : endpoints) {
      if (!e.value().getSandboxId().isEmpty()) {
        joined.computeIfAbsent(e.value().getNetworkId(), k -> new ArrayList<>()).add(e.value());
      }
    }
    return new OverlayPeers(self, live, sandboxes, joined);
  }

  /** The peers of {@code networkId} for this node, in endpoint id order (stable snapshots). */
  List<OverlayPeer> of(String networkId) {
    List<OverlayPeer> out = new ArrayList<>();
    for (Endpoint e : joinedByNetwork.getOrDefault(networkId, List.of())) {
      Sandbox sandbox = sandboxes.get(e.getSandboxId());
      String node = sandbox == null ? null : sandbox.getNode();
      if (node == null || node.equals(self)) {
        continue;
      }
      String address = liveAddresses.get(node);
      if (address == null || address.isEmpty()) {
        continue; // down (no record) or no underlay address to send to
      }
      out.add(OverlayPeer.newBuilder().setEndpointId(e.getId()).setNode(node).setNodeAddress(address)
          .setMacAddress(e.getMacAddress()).setIpv4Address(bare(e.getIpv4Address()))
          .setIpv6Address(bare(e.getIpv6Address()))
          // the names other nodes' resolvers answer for it (issue 17: names across hosts)
          .setName(e.getName()).addAllAliases(e.getAliasesList()).setContainerId(sandbox.getContainerId())
          .setHostname(sandbox.getHostname()).build());
    }
    out.sort(Comparator.comparing(OverlayPeer::getEndpointId));
    return out;
  }

  private static String bare(String cidr) {
    int slash = cidr.indexOf('/');
    return slash < 0 ? cidr : cidr.substring(0, slash);
  }
}
