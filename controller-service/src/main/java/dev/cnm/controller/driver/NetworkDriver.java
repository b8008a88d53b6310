package dev.cnm.controller.driver;

import dev.cnm.api.v1.Driver;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.Network;
import dev.cnm.api.v1.NodeNetwork;
import dev.cnm.api.v1.Scope;
import java.util.List;
import java.util.Map;

/**
 * A driver's control half: what its options mean, whether its networks take addresses, and what
 * a node must hold to realise one of its networks. A new driver implements this and is added to
 * the {@link DriverRegistry}; the controller's core does not change. (The data half with the
 * same name lives in node-agent.)
 */
public interface NetworkDriver {
  /** The name users pass as the network's driver. */
  String name();

  /** Where its networks are unique. */
  Scope scope();

  /** Whether its networks allocate pools and endpoint addresses through IPAM. */
  boolean usesIpam();

  /** Whether its endpoints get an interface in the sandbox (null and host: none). */
  boolean createsInterfaces();

  /**
   * Whether the node publishes its endpoints' port bindings on the host (bridge: nftables DNAT
   * to the endpoint's address). Drivers without interfaces (null, host) keep the bindings and
   * publish nothing, as Docker does; an interface driver that does not publish (overlay: its
   * endpoints are not reachable from the node's namespace) refuses them at CreateEndpoint.
   */
  default boolean publishesPorts() {
    return createsInterfaces();
  }

  /**
   * Whether its endpoints join sandboxes that use their node's own network namespace (host): such
   * a network's endpoints join host-mode sandboxes only, and those sandboxes no other network.
   */
  default boolean sharesHostNamespace() {
    return false;
  }

  /** At most one network of this driver may exist (libnetwork's null and host). */
  default boolean singleInstance() {
    return false;
  }

  /** The option keys it accepts (cnm's names, then libnetwork's). */
  List<String> optionKeys();

  /**
   * Validates {@code given} network options (INVALID_ARGUMENT naming
   * {@code network.options[KEY]}) and returns the effective options under cnm's names, defaults
   * filled in. {@code networkId} is the id the network will get (for generated names).
   */
  Map<String, String> networkOptions(String networkId, Map<String, String> given);

  /**
   * As {@link #networkOptions(String, Map)}, for checks that need more of the request than its
   * options (e.g. overlay's MTU floor for IPv6 networks). NetworkManager calls this one.
   */
  default Map<String, String> networkOptions(String networkId, Network request) {
    return networkOptions(networkId, request.getOptionsMap());
  }

  /**
   * An id a network of this driver holds from an IPAM id set (overlay: its VNI from "vxlan"),
   * given its effective options; null if none. NetworkManager allocates it at create (the
   * preferred id when the options name one), stores it under {@link IdClaim#option()}, and
   * releases it at delete.
   */
  default IdClaim idClaim(Map<String, String> effectiveOptions) {
    return null;
  }

  /**
   * An id to take from the IPAM id set {@code set} and keep in option {@code option};
   * {@code preferred} is the one asked for (or, on a stored network, the one held), or null.
   */
  record IdClaim(String set, String option, Long preferred) {
    /** The field errors about the id name. */
    public String field() {
      return "network.options[" + option + "]";
    }
  }

  /** The data half's view of the network, for nodes that hold it. */
  NodeNetwork nodeNetwork(Network network);

  /** The endpoint's MAC address asked for in its options, or empty. */
  default String requestedMac(Endpoint endpoint) {
    return endpoint.getOptionsOrDefault("com.docker.network.endpoint.macaddress", "");
  }

  /** The API description. */
  default Driver describe() {
    return Driver.newBuilder().setName(name()).setScope(scope()).addAllOptions(optionKeys())
        .setUsesIpam(usesIpam()).setCreatesInterfaces(createsInterfaces()).build();
  }
}
