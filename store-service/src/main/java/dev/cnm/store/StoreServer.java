package dev.cnm.store;

import dev.cnm.api.v1.StoreGrpc;
import dev.cnm.runtime.config.ServerOptions;
import dev.cnm.runtime.config.TlsFiles;
import dev.cnm.runtime.grpc.CnmServer;
import dev.cnm.runtime.security.CallerIdentity.Role;
import dev.cnm.runtime.security.RoleAuthorization;
import dev.cnm.store.backend.KvBackend;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * store-service as a network server: a backend behind cnm.v1.Store on the shared cnm server
 * bootstrap (health, reflection, metrics, tracing, TLS from {@link ServerOptions}). Used by
 * {@code cnm serve store} and by the tests' launcher (StoreMain, in the test sources).
 */
public final class StoreServer implements AutoCloseable {
  /** The backends {@code --backend} accepts. */
  public enum Backend { EMBEDDED, ETCD }

  private final CnmServer server;
  private final KvBackend backend;

  private StoreServer(CnmServer server, KvBackend backend) {
    this.server = server;
    this.backend = backend;
  }

  /**
   * Opens the backend and starts serving. {@code dataDir} is used by the embedded backend,
   * {@code etcdEndpoints} by the etcd backend.
   */
  public static StoreServer start(Backend kind, Path dataDir, List<String> etcdEndpoints, ServerOptions options)
      throws IOException {
    return start(kind, dataDir, etcdEndpoints, options, null);
  }

  /**
   * As above, recording RPC metrics and spans on {@code telemetry} (shared with other servers in
   * one process, as in {@code cnm up}); null = the server creates its own.
   */
  public static StoreServer start(Backend kind, Path dataDir, List<String> etcdEndpoints, ServerOptions options,
      dev.cnm.runtime.Telemetry telemetry) throws IOException {
    return start(kind, dataDir, etcdEndpoints, TlsFiles.NONE, options, telemetry);
  }

  /**
   * As above, reaching etcd over TLS with {@code etcdTls} (CA to verify etcd, certificate and key
   * to present to it; {@link TlsFiles#NONE} = plaintext). Independent of the TLS the store serves with.
   */
  public static StoreServer start(Backend kind, Path dataDir, List<String> etcdEndpoints, TlsFiles etcdTls,
      ServerOptions options, dev.cnm.runtime.Telemetry telemetry) throws IOException {
    KvBackend backend = switch (kind) {
      case EMBEDDED -> StoreServices.embedded(dataDir);
      case ETCD -> {
        if (etcdEndpoints.isEmpty()) {
          throw new IllegalArgumentException("--etcd-endpoints: at least one etcd URL is required with --backend etcd");
        }
        yield StoreServices.etcd(etcdEndpoints, etcdTls);
      }
    };
    try {
      // with mTLS: store replicas' clients are services (ipam, controller) and operators; node
      // agents never talk to the store, so a node certificate is refused
      CnmServer.Builder b = CnmServer.builder("cnm-store", options)
          .authorization(RoleAuthorization.allowing(Role.SERVICE, Role.ADMIN));
      if (telemetry != null) {
        b.telemetry(telemetry);
      }
      // writes never block the calling thread on either backend (they queue to the embedded group
      // committer or go to etcd asynchronously); Range does: the embedded backend reads SQLite on it
      CnmServer server = b.addService(StoreServices.grpcService(backend))
          .runInline(StoreGrpc.getPutMethod(), StoreGrpc.getDeleteRangeMethod(), StoreGrpc.getTxnMethod()).start();
      return new StoreServer(server, backend);
    } catch (IOException | RuntimeException e) {
      backend.close();
      throw e;
    }
  }

  /** The bound TCP port (useful with port 0). */
  public int port() {
    return server.port();
  }

  /** The bound listen addresses. */
  public List<String> addresses() {
    return server.addresses();
  }

  /** Blocks until the server has stopped. */
  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  /** Stops serving (gracefully), then closes the backend. */
  @Override
  public void close() {
    server.close();
    backend.close();
  }
}
