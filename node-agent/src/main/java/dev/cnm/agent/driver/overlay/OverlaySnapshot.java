package dev.cnm.agent.driver.overlay;

import dev.cnm.agent.netlink.MacAddress;
import dev.cnm.agent.overlay.OverlayDesiredState;
import dev.cnm.agent.overlay.OverlayEndpointSpec;
import dev.cnm.agent.overlay.OverlayNetworkSpec;
import dev.cnm.agent.overlay.Peer;
import dev.cnm.api.v1.DesiredState;
import dev.cnm.api.v1.ErrorReason;
import dev.cnm.api.v1.NodeEndpoint;
import dev.cnm.api.v1.NodeNetwork;
import dev.cnm.api.v1.OverlayConfig;
import dev.cnm.api.v1.OverlayPeer;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.runtime.net.IpPrefix;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The overlay part of one snapshot in the overlay dataplane's terms: a spec per overlay network
 * (local address = this node's advertise address), a spec per local endpoint of those networks
 * (in its sandbox's namespace), and each network's peers. What cannot be translated (a bad
 * subnet, an endpoint whose sandbox is not there) is recorded per object and left out, so the
 * rest still converges.
 */
final class OverlaySnapshot {
  final Map<String, OverlayNetworkSpec> networks = new LinkedHashMap<>();
  final Map<String, OverlayEndpointSpec> endpoints = new LinkedHashMap<>();
  final Map<String, Set<Peer>> peers = new LinkedHashMap<>();
  /** The local overlay endpoints as the controller sent them (for the gateway bridge's routes). */
  final Map<String, NodeEndpoint> protoEndpoints = new LinkedHashMap<>();
  /** The networks whose sandboxes get egress through the gateway bridge (not internal). */
  final Set<String> egressNetworks = new HashSet<>();
  /** Ids of every network with overlay settings in the snapshot, translatable or not. */
  final Set<String> overlayNetworkIds = new HashSet<>();
  /** Translation failures, keyed "network/ID" or "endpoint/ID". */
  final Map<String, CnmException> failed = new LinkedHashMap<>();

  private OverlaySnapshot() {}

  /**
   * Translates {@code desired}.
   *
   * @param local the node's advertise address, or null when the agent has none (every overlay network then fails)
   * @param routeViaGatewayBridge true when the gateway bridge gives overlay sandboxes their way out:
   *     the overlay then adds no default route through its own gateway, which leads nowhere
   * @param sandboxPaths each sandbox's namespace path on this node
   */
  static OverlaySnapshot of(DesiredState desired, InetAddress local, boolean routeViaGatewayBridge,
      Map<String, Path> sandboxPaths) {
    OverlaySnapshot s = new OverlaySnapshot();
    for (NodeNetwork n : desired.getNetworksList()) {
      if (!n.hasOverlay()) {
        continue;
      }
      s.overlayNetworkIds.add(n.getId());
      String key = "network/" + n.getId();
      if (local == null) {
        s.failed.put(key, CnmException.failedPrecondition(ErrorReason.OVERLAY_NEEDS_ADVERTISE_ADDRESS, "overlay network "
            + n.getName() + " cannot be realised: the agent has no advertise address (start it with "
            + AdvertiseAddress.FLAG + ")"));
        continue;
      }
      try {
        OverlayNetworkSpec spec = network(n, local, routeViaGatewayBridge);
        Set<Peer> ps = peers(n.getOverlay());
        s.networks.put(n.getId(), spec);
        s.peers.put(n.getId(), ps);
        if (!n.getInternal()) {
          s.egressNetworks.add(n.getId());
        }
      } catch (CnmException e) {
        s.failed.put(key, e);
      }
    }
    for (NodeEndpoint e : desired.getEndpointsList()) {
      if (!s.overlayNetworkIds.contains(e.getNetworkId())) {
        continue;
      }
      String key = "endpoint/" + e.getId();
      if (!s.networks.containsKey(e.getNetworkId())) {
        s.failed.put(key, dependency("endpoint " + e.getId() + ": its overlay network " + e.getNetworkId()
            + " could not be realised"));
        continue;
      }
      Path ns = sandboxPaths.get(e.getSandboxId());
      if (ns == null) {
        s.failed.put(key, dependency("endpoint " + e.getId() + ": its sandbox " + e.getSandboxId()
            + " is not on this node"));
        continue;
      }
      try {
        s.endpoints.put(e.getId(), new OverlayEndpointSpec(e.getId(), e.getNetworkId(), e.getSandboxId(), ns,
            e.getInterfaceName(), e.getMacAddress().isEmpty() ? null : MacAddress.parse("mac_address", e.getMacAddress()),
            prefix("ipv4_address", e.getIpv4Address()), prefix("ipv6_address", e.getIpv6Address())));
        s.protoEndpoints.put(e.getId(), e);
      } catch (CnmException ex) {
        s.failed.put(key, ex);
      }
    }
    return s;
  }

  OverlayDesiredState desired() {
    return new OverlayDesiredState(List.copyOf(networks.values()), List.copyOf(endpoints.values()), peers);
  }

  private static OverlayNetworkSpec network(NodeNetwork n, InetAddress local, boolean routeViaGatewayBridge) {
    OverlayConfig c = n.getOverlay();
    IpPrefix subnetV4 = prefix("subnet_ipv4", n.getSubnetIpv4());
    IpPrefix subnetV6 = prefix("subnet_ipv6", n.getSubnetIpv6());
    return new OverlayNetworkSpec(n.getId(), (int) c.getVni(), subnetV4, address("gateway_ipv4", n.getGatewayIpv4()),
        subnetV6, address("gateway_ipv6", n.getGatewayIpv6()), (int) n.getMtu(), (int) c.getVxlanPort(), local,
        n.getInternal() || routeViaGatewayBridge);
  }

  /** One peer entry per address of each remote endpoint (an IPv4 and an IPv6 share MAC and node). */
  private static Set<Peer> peers(OverlayConfig c) {
    Set<Peer> out = new HashSet<>();
    for (OverlayPeer p : c.getPeersList()) {
      InetAddress remote = IpPrefix.parseAddress("peers.node_address", p.getNodeAddress());
      InetAddress v4 = address("peers.ipv4_address", p.getIpv4Address());
      InetAddress v6 = address("peers.ipv6_address", p.getIpv6Address());
      MacAddress mac;
      if (!p.getMacAddress().isEmpty()) {
        mac = MacAddress.parse("peers.mac_address", p.getMacAddress());
      } else if (v4 != null) {
        mac = MacAddress.fromIpv4(v4.getAddress()); // what the peer's own agent derives for it
      } else {
        throw CnmException.invalidArgument("peers.mac_address", "peer endpoint " + p.getEndpointId() + " on node "
            + p.getNode() + " has neither a MAC nor an IPv4 address to derive one from");
      }
      for (InetAddress ip : new InetAddress[] {v4, v6}) {
        if (ip != null) {
          out.add(new Peer(ip, mac, remote));
        }
      }
    }
    return out;
  }

  private static IpPrefix prefix(String field, String text) {
    return text.isEmpty() ? null : IpPrefix.parse(field, text);
  }

  /** An address without prefix length, as the contract has it; a stray "/len" is tolerated. */
  private static InetAddress address(String field, String text) {
    if (text.isEmpty()) {
      return null;
    }
    int slash = text.indexOf('/');
    return IpPrefix.parseAddress(field, slash < 0 ? text : text.substring(0, slash));
  }

  private static CnmException dependency(String message) {
    return new CnmException(ErrorKind.FAILED_PRECONDITION, ErrorReason.DEPENDENCY_FAILED, message, Map.of(), null);
  }
}
