package dev.cnm.store;

import dev.cnm.runtime.config.TlsFiles;
import dev.cnm.store.backend.KvBackend;
import dev.cnm.store.embedded.EmbeddedBackend;
import dev.cnm.store.etcd.EtcdBackend;
import dev.cnm.store.grpc.StoreGrpcService;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

/**
 * How to get a store: the backends and the gRPC service over them.
 *
 * <p>For tests of other modules (store-service as a test dependency):
 * <pre>{@code
 * try (InProcessStore store = StoreServices.inProcess(tempDir)) {
 *   StoreClient client = new StoreClient(store.channel());
 *   ...
 * }
 * }</pre>
 */
public final class StoreServices {
  /** The largest request the store accepts: a Txn may carry several values of up to 1.5 MiB. */
  public static final int MAX_INBOUND_MESSAGE_BYTES = 64 * 1024 * 1024;

  private StoreServices() {}

  /** The embedded backend: SQLite file {@code dataDir/store.db} (created if missing). */
  public static KvBackend embedded(Path dataDir) {
    return EmbeddedBackend.open(dataDir);
  }

  /** The etcd backend: stateless, over one or more endpoints (e.g. "http://127.0.0.1:2379"). */
  public static KvBackend etcd(List<String> endpoints) {
    return EtcdBackend.connect(endpoints);
  }

  /** The etcd backend over TLS with these client files ({@code https://} endpoints); NONE = plaintext. */
  public static KvBackend etcd(List<String> endpoints, TlsFiles tls) {
    return EtcdBackend.connect(endpoints, tls);
  }

  /** The gRPC service ({@code cnm.v1.Store}) over a backend, to add to any server. */
  public static BindableService grpcService(KvBackend backend) {
    return new StoreGrpcService(backend);
  }

  /** An embedded store in {@code dataDir}, served in-process. Close it when done. */
  public static InProcessStore inProcess(Path dataDir) {
    return inProcess(embedded(dataDir));
  }

  /** Any backend served in-process; the returned store owns (and closes) the backend. */
  public static InProcessStore inProcess(KvBackend backend) {
    String name = "cnm-store-" + UUID.randomUUID();
    try {
      Server server = InProcessServerBuilder.forName(name)
          .addService(grpcService(backend))
          .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
          .build()
          .start();
      return new InProcessStore(server,
          InProcessChannelBuilder.forName(name).maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES).build(), backend);
    } catch (IOException e) {
      backend.close();
      throw new UncheckedIOException(e);
    }
  }
}
