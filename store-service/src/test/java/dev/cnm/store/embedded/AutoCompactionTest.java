package dev.cnm.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.protobuf.ByteString;
import dev.cnm.api.v1.PutRequest;
import dev.cnm.api.v1.RangeRequest;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AutoCompactionTest {
  @TempDir Path dir;

  @Test
  void retention_keepsOnlyRecentRevisions_olderAnswerCompacted() throws Exception {
    try (EmbeddedBackend store = EmbeddedBackend.open(dir, new EmbeddedBackend.Retention(5, Duration.ofMillis(100)))) {
      ByteString key = ByteString.copyFromUtf8("/a");
      long last = 0;
      for (int i = 0; i < 20; i++) {
        last = store.put(PutRequest.newBuilder().setKey(key).setValue(ByteString.copyFromUtf8("v" + i)).build())
            .get(10, TimeUnit.SECONDS).getHeader().getRevision();
      }
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      Throwable old = null;
      while (old == null && System.nanoTime() < until) {
        Thread.sleep(50);
        old = catchThrowable(() -> store.range(RangeRequest.newBuilder().setKey(key).setRevision(2).build()).join());
      }
      assertThat(old).hasCauseInstanceOf(CnmException.class);
      CnmException compacted = (CnmException) old.getCause();
      assertThat(compacted.kind()).isEqualTo(ErrorKind.OUT_OF_RANGE);
      assertThat(Long.parseLong(compacted.metadata().get("compact_revision"))).isGreaterThanOrEqualTo(last - 5);
      var recent = store.range(RangeRequest.newBuilder().setKey(key).setRevision(last - 2).build()).join();
      assertThat(recent.getKvs(0).getValue().toStringUtf8()).isEqualTo("v17");
    }
  }
}
