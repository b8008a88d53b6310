package dev.cnm.cli.api;

import dev.cnm.api.v1.PortBinding;
import dev.cnm.api.v1.PortSpec;
import dev.cnm.api.v1.Protocol;

/** Docker's port syntax: {@code [HOST_IP:][HOST_PORT[-END]:]CONTAINER_PORT[/PROTO]} and {@code PORT[/PROTO]}. */
final class PortSpecs {
  private PortSpecs() {}

  static PortBinding binding(String text) {
    String spec = text;
    Protocol proto = Protocol.PROTOCOL_TCP;
    int slash = spec.lastIndexOf('/');
    if (slash >= 0) {
      proto = protocol(spec.substring(slash + 1), text);
      spec = spec.substring(0, slash);
    }
    PortBinding.Builder b = PortBinding.newBuilder().setProtocol(proto);
    int last = spec.lastIndexOf(':');
    b.setContainerPort(port(spec.substring(last + 1), text));
    if (last >= 0) {
      String rest = spec.substring(0, last);
      int ipEnd = rest.lastIndexOf(':');
      String hostPorts = ipEnd >= 0 ? rest.substring(ipEnd + 1) : rest;
      if (ipEnd >= 0) {
        b.setHostIp(rest.substring(0, ipEnd).replace("[", "").replace("]", ""));
      }
      if (!hostPorts.isEmpty()) {
        int dash = hostPorts.indexOf('-');
        if (dash >= 0) {
          b.setHostPort(port(hostPorts.substring(0, dash), text)).setHostPortEnd(port(hostPorts.substring(dash + 1), text));
        } else {
          b.setHostPort(port(hostPorts, text));
        }
      }
    }
    return b.build();
  }

  static PortSpec exposed(String text) {
    int slash = text.lastIndexOf('/');
    Protocol proto = slash >= 0 ? protocol(text.substring(slash + 1), text) : Protocol.PROTOCOL_TCP;
    return PortSpec.newBuilder().setPort(port(slash >= 0 ? text.substring(0, slash) : text, text))
        .setProtocol(proto).build();
  }

  private static Protocol protocol(String p, String text) {
    return switch (p.toLowerCase()) {
      case "tcp" -> Protocol.PROTOCOL_TCP;
      case "udp" -> Protocol.PROTOCOL_UDP;
      case "sctp" -> Protocol.PROTOCOL_SCTP;
      default -> throw new IllegalArgumentException("unknown protocol \"" + p + "\" in " + text + " (tcp, udp or sctp)");
    };
  }

  private static int port(String p, String text) {
    try {
      long v = Long.parseLong(p);
      if (v < 0 || v > 0xffffffffL) {
        throw new NumberFormatException();
      }
      // range checks are the controller's, so the CLI and the API report the same errors
      return (int) v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a port: \"" + p + "\" in " + text);
    }
  }
}
