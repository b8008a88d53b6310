package dev.cnm.agent.sandboxfiles;

import dev.cnm.runtime.errors.CnmException;
import java.net.InetAddress;
import java.util.List;

/**
 * The DNS settings a sandbox was created with (libnetwork's OptionDNS, OptionDNSSearch,
 * OptionDNSOptions). Whatever is left empty is taken from the host's resolv.conf.
 *
 * @param nameservers resolver addresses, written as given (loopback ones included)
 * @param search search domains; a single "." means "no search domains"
 * @param options resolver options such as {@code ndots:2}
 */
public record DnsConfig(List<InetAddress> nameservers, List<String> search, List<String> options) {

  public DnsConfig {
    nameservers = List.copyOf(nameservers == null ? List.of() : nameservers);
    search = List.copyOf(search == null ? List.of() : search);
    options = List.copyOf(options == null ? List.of() : options);
    for (String domain : search) {
      if (!domain.equals(".")) {
        HostNames.check("dns_search", domain);
      }
    }
    for (String option : options) {
      if (option.isEmpty() || option.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
        throw CnmException.invalidArgument("dns_options", "'" + option + "' is not a single resolver option");
      }
    }
  }

  /** Nothing given: the sandbox gets the host's resolvers (minus loopback ones). */
  public static DnsConfig none() {
    return new DnsConfig(List.of(), List.of(), List.of());
  }

  public boolean isEmpty() {
    return nameservers.isEmpty() && search.isEmpty() && options.isEmpty();
  }
}
