package dev.cnm.agent.dns;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Where the resolver forwards what it does not own, tried in order: the sandbox's
 * {@code dns_servers}, else the node's resolv.conf servers. Loopback ones (systemd-resolved's
 * 127.0.0.53) are fine: the forwarding sockets are opened in the agent's namespace, where they
 * are reachable, never in the sandbox's.
 *
 * @param servers at most {@value #MAX} addresses with their port; more are dropped (resolv.conf's
 *     own limit, MAXNS)
 * @param timeout how long one upstream gets to answer (per transport) before the next is tried
 */
public record Upstreams(List<InetSocketAddress> servers, Duration timeout) {
  /** resolv.conf's MAXNS: glibc and musl read at most three nameservers. */
  public static final int MAX = 3;
  /**
   * Three upstreams at 1.5 s each stay under glibc's 5 s default per try, so the client still
   * waits for our SERVFAIL instead of resending the query while we are working on it.
   */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(1500);

  public Upstreams {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("upstream timeout must be positive, got " + timeout);
    }
    servers = List.copyOf(servers.size() > MAX ? servers.subList(0, MAX) : servers);
  }

  /** Port 53 on each address, with the default timeout. */
  public static Upstreams of(List<InetAddress> addresses) {
    return of(addresses, DEFAULT_TIMEOUT);
  }

  /** Port 53 on each address. */
  public static Upstreams of(List<InetAddress> addresses, Duration timeout) {
    List<InetSocketAddress> out = new ArrayList<>();
    for (InetAddress a : addresses) {
      out.add(new InetSocketAddress(a, 53));
    }
    return new Upstreams(out, timeout);
  }

  /** Nothing to forward to: names that are not ours fail. */
  public static Upstreams none() {
    return new Upstreams(List.of(), DEFAULT_TIMEOUT);
  }

  public boolean isEmpty() {
    return servers.isEmpty();
  }
}
