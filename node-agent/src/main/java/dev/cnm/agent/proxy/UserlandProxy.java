package dev.cnm.agent.proxy;

import dev.cnm.agent.firewall.Protocol;
import dev.cnm.agent.firewall.PublishedPort;
import dev.cnm.api.v1.ErrorReason;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * libnetwork's docker-proxy inside the agent: a Netty TCP/UDP relay per published port for
 * traffic that reaches the host through loopback, which the kernel's DNAT does not serve
 * (cnm's output chain skips 127.0.0.0/8 and ::1). Driven level-triggered like the firewall:
 * {@link #sync} takes every published port of the host and starts or stops listeners to match.
 *
 * <p>Which ports get a listener: a binding on every address (no host IP) is served on the
 * loopback address of its container's family (127.0.0.1 or ::1); a binding on a loopback
 * host IP on that address; a binding on a specific non-loopback address needs none (the DNAT
 * rules serve it, also for the host itself). A host port range gets one listener per port.
 * SCTP ports get none at all (see {@link Protocol#proxiedInUserland()}): relaying SCTP would
 * need the JDK's SCTP channels, hence libsctp and a kernel with SCTP sockets, so an SCTP port
 * is published by the kernel's DNAT only, as with dockerd's {@code userland-proxy} off, and is
 * not reachable through loopback. Such a port is skipped, never an error, so it cannot keep
 * the other ports' listeners from starting.
 * Listeners are created on the thread that calls {@link #sync}, so they live in that thread's
 * network namespace.
 *
 * <p>Metrics: {@code cnm.agent.proxy.listeners} (gauge), {@code cnm.agent.proxy.connections}
 * (counter, tag {@code protocol}: TCP connections accepted, UDP flows opened),
 * {@code cnm.agent.proxy.connect.failures} (counter: TCP connects to a container that failed).
 */
public final class UserlandProxy implements AutoCloseable {
  private final UserlandProxyConfig config;
  private final EventLoopGroup group;
  private final Counter tcpAccepted;
  private final Counter udpFlows;
  private final Counter connectFailures;

  private final Object lock = new Object();
  /** Guarded by {@link #lock}. */
  private final Map<ProxySpec, PortProxy> running = new LinkedHashMap<>();

  public UserlandProxy(UserlandProxyConfig config, MeterRegistry registry) {
    this.config = config;
    this.group = new NioEventLoopGroup(config.threads(), new DefaultThreadFactory("cnm-userland-proxy", true));
    this.tcpAccepted = Counter.builder("cnm.agent.proxy.connections").tag("protocol", "tcp")
        .description("connections (tcp) or flows (udp) relayed by the userland proxy").register(registry);
    this.udpFlows = Counter.builder("cnm.agent.proxy.connections").tag("protocol", "udp")
        .description("connections (tcp) or flows (udp) relayed by the userland proxy").register(registry);
    this.connectFailures = Counter.builder("cnm.agent.proxy.connect.failures")
        .description("tcp connects from the userland proxy to a container that failed").register(registry);
    Gauge.builder("cnm.agent.proxy.listeners", this, p -> p.running().size())
        .description("userland proxy listeners running").register(registry);
  }

  /** Whether the proxy is switched on; when off, {@link #sync} runs nothing. */
  public boolean enabled() {
    return config.enabled();
  }

  /** The listeners {@code port} needs (none for a specific non-loopback host address, nor for SCTP). */
  public static List<ProxySpec> specsFor(PublishedPort port) {
    if (!port.protocol().proxiedInUserland()) {
      return List.of(); // kernel NAT only: see the class comment
    }
    InetAddress container = port.containerIp();
    InetAddress listenIp;
    if (port.hostIp().isEmpty()) {
      listenIp = container instanceof Inet6Address ? ipv6Loopback() : ipv4Loopback();
    } else if (port.hostIp().get().isLoopbackAddress()) {
      listenIp = port.hostIp().get();
    } else {
      return List.of();
    }
    List<ProxySpec> specs = new ArrayList<>();
    for (int hostPort = port.hostPortStart(); hostPort <= port.hostPortEnd(); hostPort++) {
      specs.add(new ProxySpec(port.protocol(), new InetSocketAddress(listenIp, hostPort),
          new InetSocketAddress(container, port.containerPort())));
    }
    return specs;
  }

  /**
   * Makes the running listeners match {@code ports}: stops those no longer wanted, starts
   * the missing ones. Every listener that can start is started even when another fails.
   *
   * @throws CnmException ALREADY_EXISTS {@code HOST_PORT_IN_USE} naming each port that could
   *     not be bound (another process holds it)
   */
  public void sync(Collection<PublishedPort> ports) {
    Set<ProxySpec> wanted = new LinkedHashSet<>();
    if (config.enabled()) {
      ports.forEach(p -> wanted.addAll(specsFor(p)));
    }
    List<String> failed = new ArrayList<>();
    synchronized (lock) {
      running.entrySet().removeIf(e -> {
        if (!wanted.contains(e.getKey())) {
          e.getValue().close();
          return true;
        }
        return false;
      });
      for (ProxySpec spec : wanted) {
        if (!running.containsKey(spec)) {
          try {
            running.put(spec, start(spec));
          } catch (RuntimeException e) {
            failed.add(spec + " (" + e.getMessage() + ")");
          }
        }
      }
    }
    if (!failed.isEmpty()) {
      throw new CnmException(ErrorKind.ALREADY_EXISTS, ErrorReason.HOST_PORT_IN_USE,
          "userland proxy could not listen: " + String.join("; ", failed), Map.of("listeners", String.join(",", failed)),
          null);
    }
  }

  /** The listeners running now. */
  public List<PortProxy> running() {
    synchronized (lock) {
      return List.copyOf(running.values());
    }
  }

  /** Stops every listener and the event loops. */
  @Override
  public void close() {
    synchronized (lock) {
      running.values().forEach(PortProxy::close);
      running.clear();
    }
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
  }

  /**
   * Binds one listener; a failed bind throws IllegalStateException naming the cause (e.g. BindException).
   * A spec is tcp or udp: {@link ProxySpec} refuses the protocols the proxy does not relay.
   */
  private PortProxy start(ProxySpec spec) {
    return spec.protocol() == Protocol.TCP
        ? TcpPortProxy.start(spec, group, (int) config.connectTimeout().toMillis(), tcpAccepted, connectFailures)
        : UdpPortProxy.start(spec, group, config.udpIdleTimeout(), udpFlows);
  }

  private static InetAddress ipv4Loopback() {
    return com.google.common.net.InetAddresses.forString("127.0.0.1");
  }

  private static InetAddress ipv6Loopback() {
    return com.google.common.net.InetAddresses.forString("::1");
  }
}
