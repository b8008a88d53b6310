package dev.cnm.store.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.StringValue;
import dev.cnm.runtime.config.ServerOptions;
import dev.cnm.store.StoreServer;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A watch survives a store restart: after reconnecting it resumes at the last revision + 1. */
class StoreWatchReconnectIT {
  @TempDir Path dataDir;

  @Test
  void storeRestarted_watchResumes_everyChangeOnceInOrder() throws Exception {
    StoreServer first = StoreServer.start(StoreServer.Backend.EMBEDDED, dataDir, List.of(),
        ServerOptions.insecureListeningOn("127.0.0.1:0"));
    int port = first.port();
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    StoreClient client = new StoreClient(channel, java.time.Duration.ofSeconds(5));
    List<Long> revisions = new CopyOnWriteArrayList<>();
    List<String> values = new CopyOnWriteArrayList<>();
    try (StoreWatch watch = client.watch("/w/", 0, (rev, events) -> {
      revisions.add(rev);
      events.forEach(e -> values.add(e.value(StringValue.parser()).getValue()));
    })) {
      awaitTrue(() -> watch.nextRevision() > 0);
      for (int i = 0; i < 5; i++) {
        client.put("/w/k", StringValue.of("v" + i), 0);
      }
      awaitTrue(() -> values.size() == 5);
      first.close();
      try (StoreServer second = StoreServer.start(StoreServer.Backend.EMBEDDED, dataDir, List.of(),
          ServerOptions.insecureListeningOn("127.0.0.1:" + port))) {
        for (int i = 5; i < 10; i++) {
          putRetrying(client, "v" + i);
        }
        awaitTrue(() -> values.size() >= 10);
        assertThat(values).containsExactly("v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9");
        assertThat(revisions).isSorted().doesNotHaveDuplicates();
      }
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static void putRetrying(StoreClient client, String value) throws InterruptedException {
    for (int attempt = 0; ; attempt++) {
      try {
        client.put("/w/k", StringValue.of(value), 0);
        return;
      } catch (dev.cnm.runtime.errors.CnmException e) {
        if (attempt > 100) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }

  private static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition within 20 s").isLessThan(until);
      Thread.sleep(20);
    }
  }
}
