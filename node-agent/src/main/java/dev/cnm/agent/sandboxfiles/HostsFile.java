package dev.cnm.agent.sandboxfiles;

import dev.cnm.agent.firewall.IpLiterals;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;

/**
 * A sandbox's {@code /etc/hosts}, laid out as libnetwork's etchosts package writes it: the
 * loopback lines (the IPv6 ones only when the sandbox has IPv6), then the user's extra hosts,
 * then the sandbox's own name for each of its addresses.
 *
 * @param hostname the sandbox's host name (may be empty: then no line for the sandbox itself)
 * @param domainName its domain (may be empty)
 * @param addresses the sandbox's own addresses (from its endpoints)
 * @param extraHosts user-given lines
 * @param ipv6 whether the IPv6 loopback and multicast lines are written
 */
public record HostsFile(String hostname, String domainName, List<InetAddress> addresses, List<ExtraHost> extraHosts,
                        boolean ipv6) {

  public HostsFile {
    hostname = hostname == null ? "" : hostname;
    domainName = domainName == null ? "" : domainName;
    if (!hostname.isEmpty()) {
      HostNames.check("hostname", hostname);
    }
    if (!domainName.isEmpty()) {
      HostNames.check("domain_name", domainName);
    }
    addresses = List.copyOf(addresses == null ? List.of() : addresses);
    extraHosts = List.copyOf(extraHosts == null ? List.of() : extraHosts);
  }

  /** The file's text. */
  public String render() {
    StringBuilder out = new StringBuilder();
    out.append("127.0.0.1\tlocalhost\n");
    if (ipv6) {
      out.append("::1\tlocalhost ip6-localhost ip6-loopback\n");
      out.append("fe00::0\tip6-localnet\n");
      out.append("ff00::0\tip6-mcastprefix\n");
      out.append("ff02::1\tip6-allnodes\n");
      out.append("ff02::2\tip6-allrouters\n");
    }
    for (ExtraHost extra : extraHosts) {
      out.append(IpLiterals.format(extra.address())).append('\t').append(extra.name()).append('\n');
    }
    if (!hostname.isEmpty()) {
      String names = domainName.isEmpty() ? hostname : hostname + "." + domainName + " " + hostname;
      for (InetAddress address : addresses) {
        if (address instanceof Inet6Address && !ipv6) {
          continue;
        }
        out.append(IpLiterals.format(address)).append('\t').append(names).append('\n');
      }
    }
    return out.toString();
  }
}
