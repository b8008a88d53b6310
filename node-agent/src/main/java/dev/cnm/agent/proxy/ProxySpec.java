package dev.cnm.agent.proxy;

import dev.cnm.agent.firewall.IpLiterals;
import dev.cnm.agent.firewall.Protocol;
import dev.cnm.runtime.errors.CnmException;
import java.net.InetSocketAddress;

/**
 * One userland proxy listener: accept {@code protocol} on {@code listen} and relay to {@code target}.
 *
 * @param protocol tcp or udp (the proxy does not relay sctp: {@link Protocol#proxiedInUserland()})
 * @param listen the host address and port to listen on (a literal address, never resolved)
 * @param target the container's address and port
 */
public record ProxySpec(Protocol protocol, InetSocketAddress listen, InetSocketAddress target) {

  public ProxySpec {
    if (protocol == null) {
      throw CnmException.invalidArgument("proxy.protocol", "is missing");
    }
    if (!protocol.proxiedInUserland()) {
      throw CnmException.invalidArgument("proxy.protocol",
          protocol.nftKeyword() + " is published by kernel NAT only, the userland proxy relays tcp and udp");
    }
    if (listen == null || listen.isUnresolved()) {
      throw CnmException.invalidArgument("proxy.listen", "needs a literal address");
    }
    if (target == null || target.isUnresolved() || target.getPort() == 0) {
      throw CnmException.invalidArgument("proxy.target", "needs a literal address and a port");
    }
  }

  @Override
  public String toString() {
    return protocol.nftKeyword() + " " + format(listen) + " -> " + format(target);
  }

  static String format(InetSocketAddress address) {
    String ip = IpLiterals.format(address.getAddress());
    return (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + address.getPort();
  }
}
