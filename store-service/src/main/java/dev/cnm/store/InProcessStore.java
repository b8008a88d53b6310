package dev.cnm.store;

import dev.cnm.store.backend.KvBackend;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import java.util.concurrent.TimeUnit;

/**
 * A store-service running inside this JVM, reachable over an in-process gRPC channel: the real
 * {@code cnm.v1.Store} service (same validation, same error mapping) without sockets. For tests
 * and for {@code cnm up}. Closing it shuts down the channel, the server and the backend.
 */
public final class InProcessStore implements AutoCloseable {
  private final Server server;
  private final ManagedChannel channel;
  private final KvBackend backend;

  InProcessStore(Server server, ManagedChannel channel, KvBackend backend) {
    this.server = server;
    this.channel = channel;
    this.backend = backend;
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
