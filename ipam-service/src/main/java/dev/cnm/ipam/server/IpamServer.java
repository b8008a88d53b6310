package dev.cnm.ipam.server;

import dev.cnm.api.v1.IpamGrpc;
import dev.cnm.ipam.domain.IpamConfig;
import dev.cnm.ipam.grpc.IpamGrpcService;
import dev.cnm.ipam.service.IpamMetrics;
import dev.cnm.ipam.service.IpamService;
import dev.cnm.ipam.store.StoreKv;
import dev.cnm.runtime.Telemetry;
import dev.cnm.runtime.config.ServerOptions;
import dev.cnm.runtime.grpc.Channels;
import dev.cnm.runtime.grpc.ClientOptions;
import dev.cnm.runtime.grpc.CnmServer;
import dev.cnm.runtime.security.CallerIdentity.Role;
import dev.cnm.runtime.security.RoleAuthorization;
import dev.cnm.store.client.StoreClient;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A running ipam-service: the Ipam gRPC service over a store reached at {@code storeTarget}.
 * Replicas share nothing but the store.
 */
public final class IpamServer implements AutoCloseable {
  /** The default listen address (RULES.md CLI conventions). */
  public static final String DEFAULT_LISTEN = "unix:/run/cnm/ipam.sock";

  private final Telemetry telemetry;
  private final ManagedChannel storeChannel;
  private final ExecutorService workers;
  private final CnmServer server;

  private IpamServer(Telemetry telemetry, ManagedChannel storeChannel, ExecutorService workers, CnmServer server) {
    this.telemetry = telemetry;
    this.storeChannel = storeChannel;
    this.workers = workers;
    this.server = server;
  }

  /** Starts serving; {@code client} configures the channel to the store (TLS, telemetry). */
  public static IpamServer start(String storeTarget, ServerOptions options, ClientOptions client, IpamConfig config)
      throws IOException {
    Telemetry telemetry = client.telemetry();
    dev.cnm.store.client.StoreClientMetrics.use(telemetry.meterRegistry());
    ManagedChannel channel = Channels.forTarget(storeTarget, client);
    // one drain per pool runs at a time; a drain blocks on the store only to reload a pool, or
    // for each commit when a pool keeps one transaction in flight (else commits are asynchronous)
    ExecutorService workers = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "ipam-worker");
      t.setDaemon(true);
      return t;
    });
    // taskWrapping: a drain's store calls join the trace of the request that started the drain
    IpamService ipam = new IpamService(new StoreKv(new StoreClient(channel)), config,
        io.opentelemetry.context.Context.taskWrapping(workers),
        new IpamMetrics(telemetry.meterRegistry()));
    try {
      // with mTLS: the controller (a service certificate) and operators; never a node agent
      CnmServer server = CnmServer.builder("ipam", options).telemetry(telemetry)
          .authorization(RoleAuthorization.allowing(Role.SERVICE, Role.ADMIN))
          .addService(new IpamGrpcService(ipam))
          // these only queue work for a pool's worker and answer when its batch committed
          .runInline(IpamGrpc.getRequestAddressMethod(), IpamGrpc.getReleaseAddressMethod(),
              IpamGrpc.getRequestIdMethod(), IpamGrpc.getReleaseIdMethod())
          .start();
      return new IpamServer(telemetry, channel, workers, server);
    } catch (IOException | RuntimeException e) {
      channel.shutdownNow();
      workers.shutdownNow();
      throw e;
    }
  }

  /** Starts with its own telemetry and a plaintext store channel. */
  public static IpamServer start(String storeTarget, ServerOptions options, IpamConfig config) throws IOException {
    return start(storeTarget, options, ClientOptions.plaintext(Telemetry.create("ipam", options)), config);
  }

  public int port() {
    return server.port();
  }

  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  @Override
  public void close() {
    server.close();
    workers.shutdownNow();
    storeChannel.shutdownNow();
    try {
      storeChannel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** This server's metrics in Prometheus text format (what /metrics serves). */
  public String scrape() {
    return telemetry.scrape();
  }
}
