package dev.cnm.agent.dns;

import java.net.InetAddress;
import java.util.List;
import java.util.Objects;

/**
 * What the resolver needs to know of one endpoint, wherever it runs (this node or another): the
 * network it is on and the names it answers to there.
 *
 * @param networkId the network the endpoint is attached to (the records' scope)
 * @param name the endpoint name
 * @param aliases the endpoint's extra DNS names in its network
 * @param containerId the container id of the sandbox it joined, or empty
 * @param hostName the host name of the sandbox it joined, or empty
 * @param addresses its IPv4 and IPv6 addresses on that network
 */
public record DnsEndpoint(String networkId, String name, List<String> aliases, String containerId,
    String hostName, List<InetAddress> addresses) {

  public DnsEndpoint {
    Objects.requireNonNull(networkId, "networkId");
    name = name == null ? "" : name;
    aliases = List.copyOf(aliases == null ? List.of() : aliases);
    containerId = containerId == null ? "" : containerId;
    hostName = hostName == null ? "" : hostName;
    addresses = List.copyOf(addresses == null ? List.of() : addresses);
  }
}
