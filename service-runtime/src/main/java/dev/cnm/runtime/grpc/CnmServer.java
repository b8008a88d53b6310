package dev.cnm.runtime.grpc;

import dev.cnm.runtime.Telemetry;
import dev.cnm.runtime.config.ServerOptions;
import dev.cnm.runtime.metrics.GrpcServerMetricsInterceptor;
import dev.cnm.runtime.metrics.MetricsHttpServer;
import dev.cnm.runtime.security.RoleAuthorization;
import dev.cnm.runtime.security.UntrustedTcpPolicy;
import dev.cnm.runtime.tracing.TracingServerInterceptor;
import io.grpc.BindableService;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running cnm gRPC server: the given services plus gRPC health (SERVING per service) and
 * server reflection, on every listen address of its options, with per-RPC metrics, tracing,
 * error mapping and the caller's certificate available through {@link PeerIdentity}; and,
 * when configured, the /metrics and /healthz HTTP server. {@link #close()} shuts down
 * gracefully within the grace period.
 *
 * <p>Who is trusted depends on the listener: in-process and Unix socket callers (the socket is
 * 0600) with everything; on TCP with mutual TLS, the {@link Builder#authorization} policy decides
 * by certificate role; on TCP without mutual TLS, an {@link UntrustedTcpPolicy} serves only health,
 * reflection and the {@link Builder#readOnly} methods, unless the options say
 * {@link ServerOptions#insecureTcp()}.
 */
public final class CnmServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CnmServer.class);

  private final String serviceName;
  private final List<Server> servers;
  private final List<String> addresses;
  private final List<EventLoopGroup> groups;
  private final HealthStatusManager health;
  private final MetricsHttpServer metrics;
  private final InlineCalls inline;
  private final Telemetry telemetry;
  private final boolean ownsTelemetry;
  private final Duration grace;
  private final Object lock = new Object();
  private boolean closed; // guarded by lock

  private CnmServer(Builder b, List<Server> servers, List<String> addresses, List<EventLoopGroup> groups,
      HealthStatusManager health, MetricsHttpServer metrics, InlineCalls inline) {
    this.serviceName = b.serviceName;
    this.inline = inline;
    this.servers = List.copyOf(servers);
    this.addresses = List.copyOf(addresses);
    this.groups = List.copyOf(groups);
    this.health = health;
    this.metrics = metrics;
    this.telemetry = b.telemetry;
    this.ownsTelemetry = b.ownsTelemetry;
    this.grace = b.grace;
  }

  /** Starts building a server named {@code serviceName} (logs, trace resource) with these options. */
  public static Builder builder(String serviceName, ServerOptions options) {
    return new Builder(serviceName, options);
  }

  /** The port of the first TCP listen address (the bound one when 0 was asked), or -1. */
  public int port() {
    for (Server server : servers) {
      for (SocketAddress address : server.getListenSockets()) {
        if (address instanceof InetSocketAddress inet) {
          return inet.getPort();
        }
      }
    }
    return -1;
  }

  /** Where it listens, with bound ports filled in ({@code 127.0.0.1:43121}, {@code unix:/run/cnm/cnm.sock}). */
  public List<String> addresses() {
    return addresses;
  }

  /** The port of the metrics HTTP server, or -1 when it is off. */
  public int metricsPort() {
    return metrics == null ? -1 : metrics.port();
  }

  /** The health service's status manager, to mark a service NOT_SERVING while it cannot serve. */
  public HealthStatusManager health() {
    return health;
  }

  public Telemetry telemetry() {
    return telemetry;
  }

  /** Blocks until every listener has terminated (after {@link #close()} from another thread). */
  public void awaitTermination() throws InterruptedException {
    for (Server server : servers) {
      server.awaitTermination();
    }
  }

  /**
   * Marks every service NOT_SERVING, stops accepting calls, lets running calls finish within
   * the grace period, then cancels what is left. Idempotent.
   */
  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    health.enterTerminalState();
    servers.forEach(Server::shutdown);
    long deadline = System.nanoTime() + grace.toNanos();
    for (Server server : servers) {
      try {
        if (!server.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          server.shutdownNow();
          server.awaitTermination(1, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        server.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    inline.close();
    if (metrics != null) {
      metrics.close();
    }
    for (EventLoopGroup group : groups) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
    for (String address : addresses) {
      if (address.startsWith("unix:")) {
        try {
          java.nio.file.Files.deleteIfExists(ListenAddress.parse(address).socketPath());
        } catch (IOException e) {
          LOG.warn("cannot remove socket {}", address, e);
        }
      }
    }
    if (ownsTelemetry) {
      telemetry.close();
    }
    LOG.info("{} stopped", serviceName);
  }

  /** Collects services and settings, then {@link #start()}s. */
  public static final class Builder {
    private final String serviceName;
    private final ServerOptions options;
    private final List<ServerServiceDefinition> services = new ArrayList<>();
    private final List<ServerInterceptor> interceptors = new ArrayList<>();
    private final Set<MethodDescriptor<?, ?>> inlineMethods = new HashSet<>();
    private final Set<String> readOnlyMethods = new HashSet<>();
    private RoleAuthorization authorization;
    private Telemetry telemetry;
    private boolean ownsTelemetry;
    private Duration grace = Duration.ofSeconds(5);
    private int maxInboundMessageSize = 4 * 1024 * 1024;

    private Builder(String serviceName, ServerOptions options) {
      this.serviceName = Objects.requireNonNull(serviceName, "serviceName");
      this.options = Objects.requireNonNull(options, "options");
    }

    public Builder addService(BindableService service) {
      return addService(service.bindService());
    }

    public Builder addService(ServerServiceDefinition service) {
      services.add(service);
      return this;
    }

    /**
     * Adds an interceptor (e.g. authorisation) that runs after tracing, metrics and
     * {@link PeerIdentity}, so it can read the caller's certificate; the first added runs first.
     */
    public Builder intercept(ServerInterceptor interceptor) {
      interceptors.add(interceptor);
      return this;
    }

    /**
     * Who may call which service, by the role of the client certificate. Applied only when the
     * options name a client CA ({@code --tls-ca}, i.e. mutual TLS): without one no client proves
     * a role. Runs before the interceptors given to {@link #intercept}.
     */
    public Builder authorization(RoleAuthorization policy) {
      this.authorization = Objects.requireNonNull(policy, "authorization");
      return this;
    }

    /**
     * Methods whose handlers never block (they only queue work and answer from another thread):
     * on TCP and Unix listeners their calls run on the event loop instead of being handed to a
     * pool thread, which saves a thread wake-up per call. See {@link InlineCalls}.
     */
    public Builder runInline(MethodDescriptor<?, ?>... methods) {
      inlineMethods.addAll(List.of(methods));
      return this;
    }

    /**
     * Methods that change nothing and reveal nothing a local user could not see anyway: served to
     * callers on a TCP listener without mutual TLS too (see {@link UntrustedTcpPolicy}).
     */
    public Builder readOnly(MethodDescriptor<?, ?>... methods) {
      for (MethodDescriptor<?, ?> m : methods) {
        readOnlyMethods.add(m.getFullMethodName());
      }
      return this;
    }

    /** Shares a process's telemetry (cnm up, tests). Without it the server makes and owns its own. */
    public Builder telemetry(Telemetry shared) {
      this.telemetry = shared;
      return this;
    }

    /** How long close() lets running calls finish (default 5 s). */
    public Builder shutdownGrace(Duration duration) {
      this.grace = Objects.requireNonNull(duration, "grace");
      return this;
    }

    /** The largest request message accepted, in bytes (default 4 MiB, gRPC's own default). */
    public Builder maxInboundMessageSize(int bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("maxInboundMessageSize must be positive");
      }
      this.maxInboundMessageSize = bytes;
      return this;
    }

    /** Binds every listen address and starts serving; on failure nothing stays bound. */
    public CnmServer start() throws IOException {
      if (telemetry == null) {
        telemetry = Telemetry.create(serviceName, options);
        ownsTelemetry = true;
      }
      HealthStatusManager health = new HealthStatusManager();
      List<Server> started = new ArrayList<>();
      List<String> addresses = new ArrayList<>();
      List<EventLoopGroup> groups = new ArrayList<>();
      MetricsHttpServer metrics = null;
      InlineCalls inline = new InlineCalls(serviceName, inlineMethods);
      try {
        for (String listen : options.listenAddresses()) {
          ListenAddress address = ListenAddress.parse(listen);
          ServerBuilder<?> builder = ServerTransports.builderFor(address, options.tls(), groups);
          if (address.kind() != ListenAddress.Kind.IN_PROCESS) {
            inline.applyTo(builder); // in-process calls already run on the caller's thread
          }
          Server server = configure(builder, health, address).build();
          server.start();
          started.add(server);
          if (address.kind() == ListenAddress.Kind.UNIX) {
            ServerTransports.restrictSocket(address.socketPath());
          }
          addresses.add(boundAddress(address, server));
          logTrust(address, addresses.get(addresses.size() - 1));
        }
        if (!options.metricsListen().isEmpty()) {
          metrics = MetricsHttpServer.start(options.metricsListen(), telemetry::scrape,
              () -> started.stream().noneMatch(Server::isShutdown));
        }
      } catch (IOException | RuntimeException e) {
        started.forEach(Server::shutdownNow);
        groups.forEach(EventLoopGroup::shutdownGracefully);
        inline.close();
        if (ownsTelemetry) {
          telemetry.close();
        }
        throw e;
      }
      for (ServerServiceDefinition service : services) {
        health.setStatus(service.getServiceDescriptor().getName(), ServingStatus.SERVING);
      }
      health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
      LOG.info("{} serving on {}{}", serviceName, addresses,
          metrics == null ? "" : ", metrics on port " + metrics.port());
      return new CnmServer(this, started, addresses, groups, health, metrics, inline);
    }

    @SuppressWarnings("deprecation") // v1alpha reflection: what most grpcurl builds still ask for
    private ServerBuilder<?> configure(ServerBuilder<?> builder, HealthStatusManager health, ListenAddress address) {
      builder.maxInboundMessageSize(maxInboundMessageSize);
      services.forEach(builder::addService);
      builder.addService(health.getHealthService());
      builder.addService(ProtoReflectionServiceV1.newInstance());
      builder.addService(ProtoReflectionService.newInstance());
      // ServerBuilder runs the last-added interceptor first, so add innermost first:
      // error mapping, user interceptors, role authorization or the untrusted-TCP policy, peer identity,
      // metrics, tracing (outermost).
      builder.intercept(GrpcErrors.serverInterceptor());
      for (int i = interceptors.size() - 1; i >= 0; i--) {
        builder.intercept(interceptors.get(i));
      }
      if (authorization != null && options.tls().ca() != null) {
        builder.intercept(authorization);
      }
      if (untrustedTcp(address)) {
        builder.intercept(new UntrustedTcpPolicy(readOnlyMethods));
      }
      builder.intercept(PeerIdentity.interceptor());
      builder.intercept(new GrpcServerMetricsInterceptor(telemetry.meterRegistry()));
      builder.intercept(new TracingServerInterceptor(telemetry));
      return builder;
    }

    /** A TCP listener where nothing proves who the caller is, and the operator did not opt in to trust it. */
    private boolean untrustedTcp(ListenAddress address) {
      return address.kind() == ListenAddress.Kind.TCP && options.tls().ca() == null && !options.insecureTcp();
    }

    private void logTrust(ListenAddress address, String bound) {
      if (address.kind() != ListenAddress.Kind.TCP || options.tls().ca() != null) {
        return;
      }
      if (options.insecureTcp()) {
        LOG.warn("{}: TCP listener {} has no mutual TLS and --insecure-tcp is set: every caller that reaches it "
            + "may call every service", serviceName, bound);
      } else {
        LOG.info("{}: TCP listener {} has no mutual TLS: it serves only health, reflection and read-only calls "
            + "(others get UNAUTHENTICATED); --tls-ca or --insecure-tcp change that", serviceName, bound);
      }
    }

    private static String boundAddress(ListenAddress address, Server server) {
      if (address.kind() != ListenAddress.Kind.TCP) {
        return address.toString();
      }
      for (SocketAddress socket : server.getListenSockets()) {
        if (socket instanceof InetSocketAddress inet) {
          return new ListenAddress(ListenAddress.Kind.TCP, address.host(), inet.getPort(), null, null).toString();
        }
      }
      return address.toString();
    }
  }
}
