package dev.cnm.controller;

import dev.cnm.controller.security.ControllerAuthorization;
import dev.cnm.controller.sweep.IpamSweeper;
import dev.cnm.runtime.Telemetry;
import dev.cnm.runtime.config.ServerOptions;
import dev.cnm.runtime.grpc.Channels;
import dev.cnm.runtime.grpc.ClientOptions;
import dev.cnm.runtime.grpc.CnmServer;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * controller-service as a server: NetworkController and NodeAgent over a store-service and an
 * ipam-service reached at the given targets (HOST:PORT, unix:/path or inprocess:NAME).
 */
public final class ControllerServer implements AutoCloseable {
  /** Where the controller listens unless told otherwise: the 0600 socket cnm up also serves and the CLI dials. */
  public static final String DEFAULT_LISTEN = "unix:/run/cnm/cnm.sock";
  private final ManagedChannel store;
  private final ManagedChannel ipam;
  private final ControllerCore core;
  private final CnmServer server;

  private ControllerServer(ManagedChannel store, ManagedChannel ipam, ControllerCore core, CnmServer server) {
    this.store = store;
    this.ipam = ipam;
    this.core = core;
    this.server = server;
  }

  /** {@link #start(String, String, ServerOptions, ClientOptions, Duration)} sweeping IPAM every 5 minutes. */
  public static ControllerServer start(String storeTarget, String ipamTarget, ServerOptions options,
      ClientOptions client) throws IOException {
    return start(storeTarget, ipamTarget, options, client, IpamSweeper.DEFAULT_INTERVAL);
  }

  /**
   * Starts the controller; while it holds the IPAM sweep lease it sweeps at once and every
   * {@code ipamSweepInterval}.
   */
  public static ControllerServer start(String storeTarget, String ipamTarget, ServerOptions options,
      ClientOptions client, Duration ipamSweepInterval) throws IOException {
    Telemetry telemetry = client.telemetry();
    ManagedChannel store = Channels.forTarget(storeTarget, client);
    ManagedChannel ipam = Channels.forTarget(ipamTarget, client);
    dev.cnm.store.client.StoreClientMetrics.use(telemetry.meterRegistry());
    ControllerCore core = ControllerCore.over(store, ipam,
        new dev.cnm.controller.session.ControllerMetrics(telemetry.meterRegistry()));
    try {
      CnmServer.Builder b = CnmServer.builder("controller", options).telemetry(telemetry);
      core.services().forEach(b::addService);
      // mTLS: the certificate's role decides who may call what (see ControllerAuthorization)
      b.authorization(ControllerAuthorization.roles());
      if (options.tls().ca() != null) {
        b.intercept(new ControllerAuthorization());
      }
      // TCP without mTLS: only these, never an agent session or a write (see UntrustedTcpPolicy)
      b.readOnly(ControllerAuthorization.readOnlyMethods());
      ControllerServer server = new ControllerServer(store, ipam, core, b.start());
      core.startIpamSweeps(ipamSweepInterval);
      return server;
    } catch (IOException | RuntimeException e) {
      core.close();
      store.shutdownNow();
      ipam.shutdownNow();
      throw e;
    }
  }

  public ControllerCore core() {
    return core;
  }

  /** Where it listens (bound ports filled in). */
  public List<String> addresses() {
    return server.addresses();
  }

  public int port() {
    return server.port();
  }

  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  @Override
  public void close() {
    core.close();
    server.close();
    store.shutdownNow();
    ipam.shutdownNow();
  }
}
