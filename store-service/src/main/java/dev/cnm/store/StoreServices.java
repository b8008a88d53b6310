package dev.cnm.store;

import dev.cnm.runtime.config.TlsFiles;
import dev.cnm.store.backend.KvBackend;
import dev.cnm.store.embedded.EmbeddedBackend;
import dev.cnm.store.etcd.EtcdBackend;
import dev.cnm.store.grpc.StoreGrpcService;
import io.grpc.BindableService;
import java.nio.file.Path;
import java.util.List;

/**
 * How to get a store: the backends and the gRPC service over them.
 * (Tests serve a store in-process with {@code InProcessStore}, in this module's test-jar.)
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
}
