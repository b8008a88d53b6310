package dev.cnm.store;

import dev.cnm.store.backend.KvBackend;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A store-service running inside this JVM, reachable over an in-process gRPC channel: the real
 * {@code cnm.v1.Store} service (same validation, same error mapping) without sockets. For tests:
 * other modules get it from store-service's test-jar (a test-scoped dependency of type
 * {@code test-jar}). Closing it shuts down the channel, the server and the backend.
 * <pre>{@code
 * try (InProcessStore store = InProcessStore.inProcess(tempDir)) {
 *   StoreClient client = new StoreClient(store.channel());
 *   ...
 * }
 * }</pre>
 */
public final class InProcessStore implements AutoCloseable {
  private final Server server;
  private final ManagedChannel channel;
  private final KvBackend backend;

  private InProcessStore(Server server, ManagedChannel channel, KvBackend backend) {
    this.server = server;
    this.channel = channel;
    this.backend = backend;
  }

  /** An embedded store in {@code dataDir}, served in-process. Close it when done. */
  public static InProcessStore inProcess(Path dataDir) {
    return inProcess(StoreServices.embedded(dataDir));
  }

  /** Any backend served in-process; the returned store owns (and closes) the backend. */
  public static InProcessStore inProcess(KvBackend backend) {
    String name = "cnm-store-" + UUID.randomUUID();
    try {
      Server server = InProcessServerBuilder.forName(name)
          .addService(StoreServices.grpcService(backend))
          .maxInboundMessageSize(StoreServices.MAX_INBOUND_MESSAGE_BYTES)
          .build()
          .start();
      return new InProcessStore(server, InProcessChannelBuilder.forName(name)
          .maxInboundMessageSize(StoreServices.MAX_INBOUND_MESSAGE_BYTES).build(), backend);
    } catch (IOException e) {
      backend.close();
      throw new UncheckedIOException(e);
    }
  }

  /** A channel to the store; pass it to {@code new dev.cnm.store.client.StoreClient(channel)}. */
  public ManagedChannel channel() {
    return channel;
  }

  /** The backend behind the service. */
  public KvBackend backend() {
    return backend;
  }

  @Override
  public void close() {
    channel.shutdownNow();
    server.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    backend.close();
  }
}
