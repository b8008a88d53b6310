package dev.cnm.agent.sandboxfiles;

import dev.cnm.agent.firewall.IpLiterals;
import dev.cnm.api.v1.ErrorReason;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes a sandbox's {@code hosts} and {@code resolv.conf}, each atomically (temp file in the
 * same directory, fsync, rename), as libnetwork's etchosts and resolvconf packages lay them out.
 *
 * <p>Metric: {@code cnm.agent.sandbox.files.written} (counter, tag {@code file}: hosts, resolv.conf).
 */
public final class SandboxFiles {
  /** The host's resolver configuration. */
  public static final Path DEFAULT_HOST_RESOLV_CONF = Path.of("/etc/resolv.conf");
  /** Where systemd-resolved keeps the real upstream resolvers. */
  public static final Path SYSTEMD_RESOLVED_RESOLV_CONF = Path.of("/run/systemd/resolve/resolv.conf");

  private final Path hostResolvConf;
  private final Counter hostsWritten;
  private final Counter resolvWritten;

  /**
   * @param hostResolvConf the host file copied when a sandbox has no DNS settings of its own
   *     (tests give their own; {@link #detectHostResolvConf()} picks the machine's)
   */
  public SandboxFiles(Path hostResolvConf, MeterRegistry registry) {
    this.hostResolvConf = hostResolvConf;
    this.hostsWritten = Counter.builder("cnm.agent.sandbox.files.written").tag("file", "hosts")
        .description("sandbox hosts and resolv.conf files written").register(registry);
    this.resolvWritten = Counter.builder("cnm.agent.sandbox.files.written").tag("file", "resolv.conf")
        .description("sandbox hosts and resolv.conf files written").register(registry);
  }

  /**
   * The host resolv.conf to copy: {@code /etc/resolv.conf}, unless its only nameserver is
   * systemd-resolved's stub 127.0.0.53 and the upstream list exists (libnetwork does the same).
   */
  public static Path detectHostResolvConf() {
    try {
      List<InetAddress> ns = new ResolvConfText(Files.readString(DEFAULT_HOST_RESOLV_CONF)).nameservers();
      if (ns.size() == 1 && IpLiterals.format(ns.get(0)).equals("127.0.0.53")
          && Files.isReadable(SYSTEMD_RESOLVED_RESOLV_CONF)) {
        return SYSTEMD_RESOLVED_RESOLV_CONF;
      }
    } catch (IOException e) {
      // no readable /etc/resolv.conf: keep the default path; writing resolv.conf will report it
    }
    return DEFAULT_HOST_RESOLV_CONF;
  }

  /** Writes {@code hosts} to {@code target}; returns the text written. */
  public String writeHosts(Path target, HostsFile hosts) {
    return writeHosts(target, hosts, true);
  }

  /**
   * As {@link #writeHosts(Path, HostsFile)}; {@code sync} false rewrites the file in place
   * without fsync ({@link InPlaceFiles}), for a caller that rewrites it from authoritative state
   * after every restart: a container that bind-mounted the file then sees each update.
   */
  public String writeHosts(Path target, HostsFile hosts, boolean sync) {
    String text = hosts.render();
    write(target, text, sync);
    hostsWritten.increment();
    return text;
  }

  /** Writes the sandbox's resolv.conf to {@code target}; returns the text written. */
  public String writeResolvConf(Path target, DnsConfig dns, boolean ipv6) {
    return writeResolvConf(target, dns, ipv6, true);
  }

  /** As {@link #writeResolvConf(Path, DnsConfig, boolean)}; {@code sync} as in {@link #writeHosts(Path, HostsFile, boolean)}. */
  public String writeResolvConf(Path target, DnsConfig dns, boolean ipv6, boolean sync) {
    String text = renderResolvConf(dns, ipv6);
    write(target, text, sync);
    resolvWritten.increment();
    return text;
  }

  /** Writes a resolv.conf whose text the caller rendered (the embedded resolver's); returns it. */
  public String writeResolvConf(Path target, String text, boolean sync) {
    write(target, text, sync);
    resolvWritten.increment();
    return text;
  }

  /** The host file's search domains (the last {@code search} line), which a sandbox naming none gets. */
  public List<String> hostSearch() {
    return host().search();
  }

  /** Writes a host-mode sandbox's hosts: the node's file, then {@code extraHosts} ({@link NodeFiles}). */
  public String writeHosts(Path target, NodeFiles node, List<ExtraHost> extraHosts, boolean sync) {
    String text = node.hosts(extraHosts);
    write(target, text, sync);
    hostsWritten.increment();
    return text;
  }

  /** Writes a host-mode sandbox's resolv.conf without DNS settings: the node's file as it is. */
  public String writeResolvConf(Path target, NodeFiles node, boolean sync) {
    String text = node.resolvConf();
    write(target, text, sync);
    resolvWritten.increment();
    return text;
  }

  /**
   * The sandbox's resolv.conf. With no DNS settings: the host's file without loopback
   * resolvers (and without IPv6 ones when {@code ipv6} is false), Google's public resolvers
   * when none is left. With some settings: search, nameservers, options — each taken from
   * the settings when given, else from the host's file (whose loopback resolvers are dropped).
   */
  public String renderResolvConf(DnsConfig dns, boolean ipv6) {
    if (dns.isEmpty()) {
      return host().filtered(ipv6);
    }
    List<String> nameservers;
    if (!dns.nameservers().isEmpty()) {
      nameservers = dns.nameservers().stream().map(IpLiterals::format).toList();
    } else {
      nameservers = new ResolvConfText(host().filtered(ipv6)).nameservers().stream().map(IpLiterals::format).toList();
    }
    List<String> search = dns.search().isEmpty() ? host().search() : dns.search();
    List<String> options = dns.options().isEmpty() ? host().options() : dns.options();
    StringBuilder out = new StringBuilder();
    if (!search.isEmpty() && !(search.size() == 1 && search.get(0).equals("."))) {
      out.append("search ").append(String.join(" ", search)).append('\n');
    }
    nameservers.forEach(ns -> out.append("nameserver ").append(ns).append('\n'));
    if (!options.isEmpty()) {
      out.append("options ").append(String.join(" ", options)).append('\n');
    }
    return out.toString();
  }

  private ResolvConfText host() {
    try {
      return new ResolvConfText(Files.readString(hostResolvConf));
    } catch (NoSuchFileException e) {
      // A host without resolv.conf (some minimal images): nothing to copy, the defaults apply.
      return new ResolvConfText("");
    } catch (IOException e) {
      throw new CnmException(ErrorKind.FAILED_PRECONDITION, ErrorReason.HOST_RESOLV_CONF_UNREADABLE,
          "cannot read the host's " + hostResolvConf + ": " + e.getMessage(), Map.of("path", hostResolvConf.toString()),
          e);
    }
  }

  private static void write(Path target, String text, boolean sync) {
    if (sync) {
      AtomicFiles.write(target, text, true);
    } else {
      InPlaceFiles.write(target, text);
    }
  }
}
