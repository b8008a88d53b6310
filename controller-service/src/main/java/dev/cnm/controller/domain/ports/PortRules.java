package dev.cnm.controller.domain.ports;

import dev.cnm.api.v1.PortBinding;
import dev.cnm.api.v1.PortSpec;
import dev.cnm.api.v1.Protocol;
import dev.cnm.runtime.net.Cidr;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.net.Cidr;
import java.util.List;

/** Validation of exposed ports and port bindings (libnetwork's types.PortBinding rules). */
public final class PortRules {
  static final int MAX_PORT = 65535;

  private PortRules() {}

  public static void checkExposed(List<PortSpec> ports) {
    for (int i = 0; i < ports.size(); i++) {
      String f = "endpoint.exposed_ports[" + i + "]";
      checkPort(f + ".port", ports.get(i).getPort(), false);
      protocol(f + ".protocol", ports.get(i).getProtocol());
    }
  }

  public static void checkBindings(List<PortBinding> bindings) {
    for (int i = 0; i < bindings.size(); i++) {
      PortBinding b = bindings.get(i);
      String f = "endpoint.port_bindings[" + i + "]";
      protocol(f + ".protocol", b.getProtocol());
      checkPort(f + ".container_port", b.getContainerPort(), false);
      checkPort(f + ".host_port", b.getHostPort(), true);
      checkPort(f + ".host_port_end", b.getHostPortEnd(), true);
      if (b.getHostPortEnd() != 0 && b.getHostPortEnd() < b.getHostPort()) {
        throw CnmException.invalidArgument(f + ".host_port_end", "must not be below host_port " + b.getHostPort());
      }
      if (b.getHostPortEnd() != 0 && b.getHostPort() == 0) {
        throw CnmException.invalidArgument(f + ".host_port", "required with host_port_end");
      }
      if (!b.getHostIp().isEmpty()) {
        Cidr.parseAddress(f + ".host_ip", b.getHostIp());
      }
    }
  }

  private static void checkPort(String field, int port, boolean zeroAllowed) {
    if (port == 0 && !zeroAllowed) {
      throw CnmException.invalidArgument(field, "must be 1..65535, got 0");
    }
    if (port < 0 || port > MAX_PORT) {
      // uint32 in the API: values above 2^31 arrive negative
      throw CnmException.invalidArgument(field, "must be " + (zeroAllowed ? "0" : "1") + "..65535, got "
          + Integer.toUnsignedString(port));
    }
  }

  /** The protocol's name ("tcp" for unspecified); INVALID_ARGUMENT for an unknown value. */
  static String protocol(String field, Protocol p) {
    return switch (p) {
      case PROTOCOL_UNSPECIFIED, PROTOCOL_TCP -> "tcp";
      case PROTOCOL_UDP -> "udp";
      case PROTOCOL_SCTP -> "sctp";
      default -> throw CnmException.invalidArgument(field, "unknown protocol (tcp, udp or sctp)");
    };
  }

  /** A binding with one fixed host port (neither 0 nor a range). */
  static boolean isFixed(PortBinding b) {
    return b.getHostPort() != 0 && (b.getHostPortEnd() == 0 || b.getHostPortEnd() == b.getHostPort());
  }
}
