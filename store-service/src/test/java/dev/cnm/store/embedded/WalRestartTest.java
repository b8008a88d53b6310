package dev.cnm.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.cnm.api.v1.PutRequest;
import dev.cnm.api.v1.PutResponse;
import dev.cnm.api.v1.RangeRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The WAL is written from its beginning again while writes never stop (it used to only grow). */
class WalRestartTest {
  @TempDir Path dir;

  @Test
  void steadyWrites_walStartsOverAgain_andNoWriteIsLost() throws Exception {
    Path wal = dir.resolve("store.db-wal");
    byte[] value = new byte[2000];
    int keys = 64;
    long written = 0;
    try (EmbeddedBackend store = EmbeddedBackend.open(dir)) {
      // 32 puts always queued, so the writer never waits for work between two commits
      ArrayDeque<CompletableFuture<PutResponse>> inFlight = new ArrayDeque<>();
      int firstSequence = -1;
      int restarts = 0;
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (restarts < 2 && System.nanoTime() < until) {
        while (inFlight.size() < 32) {
          value[0] = (byte) written;
          inFlight.add(store.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("/wal/" + written % keys))
              .setValue(ByteString.copyFrom(value)).build()));
          written++;
        }
        inFlight.poll().get(10, TimeUnit.SECONDS);
        if (written % 64 == 0) {
          int sequence = checkpointSequence(wal);
          if (firstSequence < 0) {
            firstSequence = sequence;
          }
          restarts = sequence - firstSequence;
        }
      }
      for (CompletableFuture<PutResponse> f : inFlight) {
        f.get(10, TimeUnit.SECONDS);
      }
      assertThat(restarts).as("WAL restarts during %d puts of 2 KB", written).isGreaterThanOrEqualTo(2);
      var last = store.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("/wal/" + (written - 1) % keys))
          .build()).join();
      assertThat(last.getKvs(0).getValue().byteAt(0)).isEqualTo((byte) (written - 1));
    }
    try (EmbeddedBackend reopened = EmbeddedBackend.open(dir)) {
      var all = reopened.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("/wal/"))
          .setRangeEnd(ByteString.copyFromUtf8("/wal0")).build()).join();
      assertThat(all.getCount()).isEqualTo(keys);
      assertThat(all.getHeader().getRevision()).isEqualTo(1 + written);
    }
  }

  /** The WAL header's checkpoint sequence number: SQLite increments it each time the WAL starts over. */
  private static int checkpointSequence(Path wal) throws IOException {
    try (FileChannel f = FileChannel.open(wal)) {
      ByteBuffer header = ByteBuffer.allocate(16);
      f.read(header, 0);
      return header.getInt(12);
    }
  }
}
