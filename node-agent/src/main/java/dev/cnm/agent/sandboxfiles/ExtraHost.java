package dev.cnm.agent.sandboxfiles;

import dev.cnm.agent.firewall.IpLiterals;
import dev.cnm.runtime.errors.CnmException;
import java.net.InetAddress;

/**
 * A line the user adds to a sandbox's hosts file (dockerd's {@code --add-host name:ip}).
 *
 * @param name the host name
 * @param address its address, IPv4 or IPv6
 */
public record ExtraHost(String name, InetAddress address) {

  public ExtraHost {
    HostNames.check("extra_hosts.name", name);
    if (address == null) {
      throw CnmException.invalidArgument("extra_hosts.address", "is missing");
    }
  }

  /** Parses {@code name:ip} (the address may itself contain colons, as an IPv6 one does). */
  public static ExtraHost parse(String text) {
    int colon = text == null ? -1 : text.indexOf(':');
    if (colon <= 0) {
      throw CnmException.invalidArgument("extra_hosts", "'" + text + "' is not in the form name:ip");
    }
    String ip = text.substring(colon + 1);
    if (ip.startsWith("[") && ip.endsWith("]")) {
      ip = ip.substring(1, ip.length() - 1);
    }
    return new ExtraHost(text.substring(0, colon), IpLiterals.parse("extra_hosts.address", ip));
  }
}
