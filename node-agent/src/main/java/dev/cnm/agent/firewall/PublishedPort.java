package dev.cnm.agent.firewall;

import dev.cnm.runtime.errors.CnmException;
import java.net.InetAddress;
import java.util.Optional;

/**
 * One port binding of an endpoint (libnetwork's types.PortBinding) as the kernel sees it:
 * traffic for {@code hostIp:hostPortStart..hostPortEnd} is sent to {@code containerIp:containerPort}.
 * A host port range maps every port of the range to the one container port.
 *
 * @param protocol tcp, udp or sctp
 * @param hostIp the host address to publish on; empty means every local address of the container's family
 * @param hostPortStart the first host port (1..65535)
 * @param hostPortEnd the last host port, equal to the start for a single port
 * @param containerIp the endpoint's address (same family as {@code hostIp} when that is given)
 * @param containerPort the port inside the container (1..65535)
 * @param bridge the interface name of the bridge the endpoint is attached to
 */
public record PublishedPort(Protocol protocol, Optional<InetAddress> hostIp, int hostPortStart, int hostPortEnd,
                            InetAddress containerIp, int containerPort, String bridge) {

  public PublishedPort {
    if (protocol == null) {
      throw CnmException.invalidArgument("port.protocol", "is missing");
    }
    hostIp = hostIp == null ? Optional.empty() : hostIp;
    checkPort("port.host_port", hostPortStart);
    checkPort("port.host_port_end", hostPortEnd);
    if (hostPortEnd < hostPortStart) {
      throw CnmException.invalidArgument("port.host_port_end",
          "range end " + hostPortEnd + " is below its start " + hostPortStart);
    }
    if (containerIp == null) {
      throw CnmException.invalidArgument("port.container_ip", "is missing");
    }
    checkPort("port.container_port", containerPort);
    if (hostIp.isPresent() && !IpLiterals.sameFamily(hostIp.get(), containerIp)) {
      throw CnmException.invalidArgument("port.host_ip", "host address " + IpLiterals.format(hostIp.get())
          + " and container address " + IpLiterals.format(containerIp) + " are of different families");
    }
    InterfaceNames.check("port.bridge", bridge);
  }

  /** A single host port on every local address. */
  public static PublishedPort of(Protocol protocol, int hostPort, InetAddress containerIp, int containerPort,
                                 String bridge) {
    return new PublishedPort(protocol, Optional.empty(), hostPort, hostPort, containerIp, containerPort, bridge);
  }

  private static void checkPort(String field, int port) {
    if (port < 1 || port > 65535) {
      throw CnmException.invalidArgument(field, "port " + port + " out of range 1..65535");
    }
  }
}
