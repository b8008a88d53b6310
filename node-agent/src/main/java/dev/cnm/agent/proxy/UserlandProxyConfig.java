package dev.cnm.agent.proxy;

import java.time.Duration;

/**
 * Settings of the userland proxy.
 *
 * @param enabled dockerd's {@code userland-proxy} (on by default): when off, no listener runs
 *     and localhost cannot reach published ports (the hairpin NAT serves containers instead)
 * @param threads event loop threads shared by every listener
 * @param connectTimeout how long a TCP connect to the container may take
 * @param udpIdleTimeout how long a UDP flow lives without traffic (docker-proxy: 90 s)
 */
public record UserlandProxyConfig(boolean enabled, int threads, Duration connectTimeout, Duration udpIdleTimeout) {
  public static final UserlandProxyConfig DEFAULT =
      new UserlandProxyConfig(true, 1, Duration.ofSeconds(5), Duration.ofSeconds(90));

  public UserlandProxyConfig {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1");
    }
  }

  /** The defaults with the proxy switched on or off. */
  public static UserlandProxyConfig enabled(boolean enabled) {
    return new UserlandProxyConfig(enabled, DEFAULT.threads, DEFAULT.connectTimeout, DEFAULT.udpIdleTimeout);
  }
}
