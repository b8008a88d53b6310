package dev.cnm.agent.driver.bridge;

import dev.cnm.agent.dataplane.EndpointSpec;
import dev.cnm.agent.dataplane.NetworkSpec;
import dev.cnm.agent.dataplane.SandboxSpec;
import dev.cnm.agent.firewall.PublishedPort;
import dev.cnm.agent.netlink.MacAddress;
import dev.cnm.api.v1.DesiredState;
import dev.cnm.api.v1.ErrorReason;
import dev.cnm.api.v1.NodeEndpoint;
import dev.cnm.api.v1.NodeNetwork;
import dev.cnm.api.v1.NodeSandbox;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.net.IpPrefix;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Turns a snapshot's bridge networks, sandboxes and endpoints into dataplane specs and published
 * ports. Every snapshot is the node's whole state and consecutive ones differ in a few objects,
 * so each object's conversion is kept from the previous snapshot and reused while everything it
 * was made from is equal (the message first by identity: the in-process channel of {@code cnm up}
 * hands over the same instances). A Join on a node holding hundreds of sandboxes then parses one
 * endpoint's MAC and addresses instead of every endpoint's, and the unchanged specs, being the
 * previous snapshot's instances, compare equal to the last applied state by identity.
 *
 * <p>A conversion is a pure function of what it is keyed by (the message, and for an endpoint its
 * default-route choice and its network's bridge name), so a reused one is exactly what converting
 * again would give: reuse can never make a changed object look unchanged. Used from the session's
 * one thread.
 */
final class SpecConverter {
  /**
   * One snapshot converted.
   *
   * @param index the bridge dataplane's desired state, indexed
   * @param bridges the snapshot's bridge networks by id
   * @param ports the published ports of the bridge endpoints with an IPv4 address, in endpoint order
   */
  record Converted(SpecIndex index, Map<String, NodeNetwork> bridges, List<PublishedPort> ports) {}

  private record NetworkConversion(NodeNetwork from, NetworkSpec spec) {}

  private record SandboxConversion(NodeSandbox from, SandboxSpec spec) {}

  private record EndpointConversion(NodeEndpoint from, Boolean defaultRoute, String bridge, EndpointSpec spec,
      List<PublishedPort> ports) {}

  /** The path bound to the node's own namespace (the key of host-mode sandboxes); null: none. */
  private final Path hostNamespace;
  private Map<String, NetworkConversion> networks = Map.of();
  private Map<String, SandboxConversion> sandboxes = Map.of();
  private Map<String, EndpointConversion> endpoints = Map.of();
  /** How many objects were converted rather than reused, over this converter's life (tests read it). */
  int conversions;
  /** How many messages were compared field by field, identity failing (tests read it). */
  int fieldComparisons;

  SpecConverter() {
    this(null);
  }

  /** {@code hostNamespace}: the path bound to the node's own namespace, or null (host-mode sandboxes then fail). */
  SpecConverter(Path hostNamespace) {
    this.hostNamespace = hostNamespace;
  }

  /**
   * Converts {@code desired}. Throws INVALID_ARGUMENT (and the like) for an object that does not
   * convert; the conversions kept from the previous snapshot then stay as they were.
   */
  Converted convert(DesiredState desired) {
    Map<String, NodeNetwork> bridges = new HashMap<>();
    List<NetworkSpec> networkSpecs = new ArrayList<>();
    Map<String, NetworkConversion> nets = new HashMap<>(capacity(desired.getNetworksCount()));
    for (NodeNetwork n : desired.getNetworksList()) {
      if (n.hasBridge()) {
        bridges.put(n.getId(), n);
        NetworkConversion c = networks.get(n.getId());
        if (c == null || !same(c.from(), n)) {
          c = new NetworkConversion(n, network(n));
          conversions++;
        } else if (c.from() != n) {
          c = new NetworkConversion(n, c.spec()); // equal: keep the spec, compare with this instance next
        }
        nets.put(n.getId(), c);
        networkSpecs.add(c.spec());
      }
    }
    List<SandboxSpec> sandboxSpecs = new ArrayList<>(desired.getSandboxesCount());
    Map<String, SandboxConversion> sbs = new HashMap<>(capacity(desired.getSandboxesCount()));
    for (NodeSandbox s : desired.getSandboxesList()) {
      SandboxConversion c = sandboxes.get(s.getId());
      if (c == null || !same(c.from(), s)) {
        c = new SandboxConversion(s, sandbox(s));
        conversions++;
      } else if (c.from() != s) {
        c = new SandboxConversion(s, c.spec());
      }
      sbs.put(s.getId(), c);
      sandboxSpecs.add(c.spec());
    }
    // sandboxes where the controller chose the default route's endpoint (by Join priority); others: eth0
    Set<String> routing = new HashSet<>(capacity(desired.getEndpointsCount()));
    for (NodeEndpoint e : desired.getEndpointsList()) {
      if (e.getDefaultGateway()) {
        routing.add(e.getSandboxId());
      }
    }
    List<EndpointSpec> endpointSpecs = new ArrayList<>(desired.getEndpointsCount());
    List<PublishedPort> ports = new ArrayList<>();
    Map<String, EndpointConversion> eps = new HashMap<>(capacity(desired.getEndpointsCount()));
    for (NodeEndpoint e : desired.getEndpointsList()) {
      NodeNetwork n = bridges.get(e.getNetworkId());
      if (n == null) {
        continue; // null and host endpoints have no interface
      }
      Boolean defaultRoute = routing.contains(e.getSandboxId()) ? e.getDefaultGateway() : null;
      String bridge = n.getBridge().getBridgeName();
      EndpointConversion c = endpoints.get(e.getId());
      if (c == null || !same(c.from(), e) || !Objects.equals(c.defaultRoute(), defaultRoute)
          || !c.bridge().equals(bridge)) {
        c = endpoint(e, defaultRoute, bridge);
        conversions++;
      } else if (c.from() != e) {
        c = new EndpointConversion(e, defaultRoute, bridge, c.spec(), c.ports());
      }
      eps.put(e.getId(), c);
      endpointSpecs.add(c.spec());
      ports.addAll(c.ports());
    }
    networks = nets;
    sandboxes = sbs;
    endpoints = eps;
    return new Converted(SpecIndex.of(new dev.cnm.agent.dataplane.DesiredState(networkSpecs, sandboxSpecs,
        endpointSpecs)), bridges, ports);
  }

  /**
   * A host-mode sandbox is the node's own namespace taken as an external one: the dataplane opens
   * it, never configures it and never deletes it.
   */
  private SandboxSpec sandbox(NodeSandbox s) {
    if (s.getHostNetwork()) {
      if (hostNamespace == null) {
        throw CnmException.failedPrecondition(ErrorReason.HOST_NETWORK_UNAVAILABLE, "sandbox " + s.getId()
            + " is host-mode, and this agent keeps no path on its own namespace");
      }
      return SandboxSpec.external(s.getId(), hostNamespace);
    }
    return s.getExternalKey().isEmpty() ? SandboxSpec.owned(s.getId())
        : SandboxSpec.external(s.getId(), Path.of(s.getExternalKey()));
  }

  private static NetworkSpec network(NodeNetwork n) {
    return new NetworkSpec(n.getId(), n.getBridge().getBridgeName(), n.getMtu(),
        gateway(n.getGatewayIpv4(), n.getSubnetIpv4()), gateway(n.getGatewayIpv6(), n.getSubnetIpv6()));
  }

  private static EndpointConversion endpoint(NodeEndpoint e, Boolean defaultRoute, String bridge) {
    IpPrefix v4 = e.getIpv4Address().isEmpty() ? null : IpPrefix.parse("ipv4_address", e.getIpv4Address());
    EndpointSpec spec = new EndpointSpec(e.getId(), e.getNetworkId(), e.getSandboxId(), e.getInterfaceName(),
        e.getMacAddress().isEmpty() ? null : MacAddress.parse("mac_address", e.getMacAddress()), v4,
        e.getIpv6Address().isEmpty() ? null : IpPrefix.parse("ipv6_address", e.getIpv6Address()), null,
        defaultRoute);
    List<PublishedPort> ports = v4 == null ? List.of() : List.copyOf(PortMapping.published(e, v4.address(), bridge));
    return new EndpointConversion(e, defaultRoute, bridge, spec, ports);
  }

  private static IpPrefix gateway(String gateway, String subnet) {
    if (gateway.isEmpty() || subnet.isEmpty()) {
      return null;
    }
    String len = subnet.substring(subnet.indexOf('/') + 1);
    return IpPrefix.parse("gateway", gateway + "/" + len);
  }

  /** A HashMap capacity holding {@code n} entries without resizing. */
  static int capacity(int n) {
    return n * 4 / 3 + 1;
  }

  /**
   * Equal messages; identity first, the common case of the in-process channel. A conversion found
   * equal but not identical takes the new instance (above): kept with the old one, every later
   * snapshot would compare the two field by field, as happened to every sandbox of a node.
   */
  private boolean same(Object a, Object b) {
    if (a == b) {
      return true;
    }
    fieldComparisons++;
    return a.equals(b);
  }
}
