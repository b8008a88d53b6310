package dev.cnm.agent.dns;

import java.util.List;

/**
 * The resolv.conf of a sandbox served by its embedded resolver: the only nameserver is the
 * resolver on 127.0.0.11 (the real upstreams are the resolver's business), then the search
 * domains, then the options.
 */
public final class ResolvConfRender {
  /**
   * Docker's default for sandboxes on its resolver: with {@code ndots:0} a one-label name such
   * as {@code db} is asked as it is first, so a container name answers at once instead of after
   * a round of search-domain suffixes that the upstream answers NXDOMAIN.
   */
  public static final String DEFAULT_OPTIONS = "ndots:0";

  private ResolvConfRender() {}

  /**
   * The file's text.
   *
   * @param search the sandbox's search domains (a single "." means none, as in DnsConfig)
   * @param options the sandbox's resolver options; when empty, {@value #DEFAULT_OPTIONS}
   */
  public static String render(List<String> search, List<String> options) {
    StringBuilder out = new StringBuilder("nameserver ").append(SandboxResolver.ADDRESS.getHostAddress()).append('\n');
    List<String> domains = search.stream().filter(d -> !d.equals(".")).toList();
    if (!domains.isEmpty()) {
      out.append("search ").append(String.join(" ", domains)).append('\n');
    }
    out.append("options ").append(options.isEmpty() ? DEFAULT_OPTIONS : String.join(" ", options)).append('\n');
    return out.toString();
  }
}
