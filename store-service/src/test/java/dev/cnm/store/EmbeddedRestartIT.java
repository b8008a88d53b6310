package dev.cnm.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.cnm.api.v1.Compare;
import dev.cnm.api.v1.PutRequest;
import dev.cnm.api.v1.RangeRequest;
import dev.cnm.api.v1.RequestOp;
import dev.cnm.api.v1.StoreGrpc;
import dev.cnm.api.v1.TxnRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded store as a real child process: writes acknowledged before a kill -9 are all
 * there after a restart on the same data dir.
 */
class EmbeddedRestartIT {
  @TempDir Path dataDir;

  /** A running store-service process and a channel to it. */
  private record Child(Process process, ManagedChannel channel) implements AutoCloseable {
    static Child start(Path dataDir) throws Exception {
      Path java = Path.of(System.getProperty("java.home"), "bin", "java");
      // SQLite's native library is unpacked into the test's dir: a kill -9 skips its removal at exit
      Process p = new ProcessBuilder(java.toString(), "-Dorg.sqlite.tmpdir=" + dataDir,
          "-cp", System.getProperty("java.class.path"), StoreMain.class.getName(), "--backend", "embedded", "--data-dir", dataDir.toString(),
          "--listen", "127.0.0.1:0", "--insecure-tcp", "true")
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String line;
      do {
        line = out.readLine();
      } while (line != null && !line.startsWith("listening "));
      assertThat(line).as("store process announces its address").isNotNull();
      String address = line.substring("listening ".length()).split(",")[0];
      return new Child(p, NettyChannelBuilder.forTarget(address).usePlaintext().build());
    }

    void kill9() throws InterruptedException {
      process.destroyForcibly(); // SIGKILL: no shutdown hook, no clean close of the database
      process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
      channel.shutdownNow();
      if (process.isAlive()) {
        kill9();
      }
    }
  }

  private static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  @Test
  void killNine_afterAcknowledgedWrites_restartedProcessHasThemAll() throws Exception {
    long lastRevision;
    int writers = 8;
    int perWriter = 50;
    try (Child first = Child.start(dataDir)) {
      var kv = StoreGrpc.newBlockingStub(first.channel());
      ExecutorService pool = Executors.newFixedThreadPool(writers);
      List<Future<Long>> acks = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        int writer = w;
        acks.add(pool.submit(() -> {
          long rev = 0;
          for (int i = 0; i < perWriter; i++) {
            String key = "/r/" + writer + "/" + i;
            rev = kv.withDeadlineAfter(10, TimeUnit.SECONDS).txn(TxnRequest.newBuilder()
                .addCompare(Compare.newBuilder().setKey(b(key)).setTarget(Compare.Target.CREATE_REVISION)
                    .setResult(Compare.Result.EQUAL).setCreateRevision(0))
                .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b(key)).setValue(b("v" + i))))
                .build()).getHeader().getRevision();
          }
          return rev;
        }));
      }
      lastRevision = 0;
      for (Future<Long> f : acks) {
        lastRevision = Math.max(lastRevision, f.get(60, TimeUnit.SECONDS));
      }
      pool.shutdown();
      first.kill9();
    }
    try (Child second = Child.start(dataDir)) {
      var kv = StoreGrpc.newBlockingStub(second.channel()).withDeadlineAfter(10, TimeUnit.SECONDS);
      var all = kv.range(RangeRequest.newBuilder().setKey(b("/r/")).setPrefix(true).build());
      assertThat(all.getCount()).isEqualTo(writers * perWriter);
      assertThat(all.getHeader().getRevision()).isGreaterThanOrEqualTo(lastRevision);
      assertThat(kv.range(RangeRequest.newBuilder().setKey(b("/r/3/49")).build()).getKvs(0).getValue().toStringUtf8())
          .isEqualTo("v49");
    }
  }
}
