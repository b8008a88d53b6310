package dev.cnm.agent.driver.bridge;

import dev.cnm.agent.firewall.Protocol;
import dev.cnm.agent.firewall.PublishedPort;
import dev.cnm.api.v1.NodeEndpoint;
import dev.cnm.api.v1.PortBinding;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** An endpoint's port map (host ports already chosen by the controller) as firewall entries. */
final class PortMapping {
  private PortMapping() {}

  static List<PublishedPort> published(NodeEndpoint e, InetAddress containerIp, String bridge) {
    List<PublishedPort> out = new ArrayList<>();
    for (PortBinding b : e.getPortMapList()) {
      Protocol proto = protocol(b.getProtocol());
      Optional<InetAddress> hostIp = Optional.empty();
      if (!b.getHostIp().isEmpty() && !b.getHostIp().equals("0.0.0.0") && !b.getHostIp().equals("::")) {
        try {
          // an address literal (validated by the controller): no name lookup happens
          hostIp = Optional.of(InetAddress.getByName(b.getHostIp()));
        } catch (UnknownHostException ex) {
          throw new IllegalArgumentException("bad host_ip " + b.getHostIp(), ex);
        }
      }
      out.add(new PublishedPort(proto, hostIp, b.getHostPort(), b.getHostPort(), containerIp, b.getContainerPort(), bridge));
    }
    return out;
  }

  /** The API's protocol as the firewall's; unspecified is tcp, as in libnetwork's port specs. */
  static Protocol protocol(dev.cnm.api.v1.Protocol p) {
    return switch (p) {
      case PROTOCOL_UDP -> Protocol.UDP;
      case PROTOCOL_SCTP -> Protocol.SCTP; // kernel NAT only: the userland proxy skips it
      default -> Protocol.TCP;
    };
  }
}
