package dev.cnm.cli.operations;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.cnm.api.v1.PutRequest;
import dev.cnm.api.v1.RangeRequest;
import dev.cnm.api.v1.RangeResponse;
import dev.cnm.store.embedded.EmbeddedBackend;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backup and restore procedure of docs/operations.md for the embedded store, run against the
 * store's real database file: an online {@code sqlite3 .backup} while the store has it open,
 * then a restore into a fresh data dir that the store opens again.
 */
class EmbeddedStoreBackupIT {
  private static final Path SQLITE3 = Path.of("/usr/bin/sqlite3");

  @TempDir
  Path temp;

  private static ByteString bytes(String text) {
    return ByteString.copyFrom(text, StandardCharsets.UTF_8);
  }

  private static long put(EmbeddedBackend store, String key, String value) throws Exception {
    return store.put(PutRequest.newBuilder().setKey(bytes(key)).setValue(bytes(value)).build())
        .get(10, TimeUnit.SECONDS).getHeader().getRevision();
  }

  private static RangeResponse all(EmbeddedBackend store) throws Exception {
    // The backend takes explicit ranges (the gRPC edge turns `prefix` into one): "/cnm/v1/" to "/cnm/v10".
    return store.range(RangeRequest.newBuilder().setKey(bytes("/cnm/v1/")).setRangeEnd(bytes("/cnm/v10")).build())
        .get(10, TimeUnit.SECONDS);
  }

  private static String sqlite3(String... args) throws IOException, InterruptedException {
    if (!Files.isExecutable(SQLITE3)) {
      throw new AssertionError(SQLITE3 + " is missing: install the Debian package 'sqlite3'");
    }
    List<String> command = new ArrayList<>();
    command.add(SQLITE3.toString());
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getOutputStream().close();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    return output.trim();
  }

  @Test
  void onlineBackupWhileServing_restoresEveryAcknowledgedWriteAndTheRevision() throws Exception {
    Path data = temp.resolve("data");
    Path backup = temp.resolve("backup/cnm-store.db");
    Files.createDirectories(backup.getParent());
    long revisionAtBackup;
    try (EmbeddedBackend store = EmbeddedBackend.open(data)) {
      for (int i = 0; i < 200; i++) {
        put(store, "/cnm/v1/networks/" + i, "network " + i);
      }
      RangeResponse before = all(store);
      assertThat(before.getKvsCount()).isEqualTo(200);
      revisionAtBackup = before.getHeader().getRevision();
      // The procedure of docs/operations.md, with the store still open and serving.
      sqlite3(data.resolve("store.db").toString(), ".backup '" + backup + "'");
      put(store, "/cnm/v1/networks/after-backup", "not in the backup");
    }
    assertThat(sqlite3(backup.toString(), "PRAGMA integrity_check")).isEqualTo("ok");

    Path restored = temp.resolve("restored");
    Files.createDirectories(restored);
    Files.copy(backup, restored.resolve("store.db"));
    try (EmbeddedBackend store = EmbeddedBackend.open(restored)) {
      RangeResponse everything = all(store);
      assertThat(everything.getKvsCount()).isEqualTo(200);
      assertThat(everything.getHeader().getRevision()).isEqualTo(revisionAtBackup);
      assertThat(everything.getKvsList()).noneSatisfy(kv ->
          assertThat(kv.getKey().toStringUtf8()).endsWith("after-backup"));
      // The restored store takes writes again, continuing from the backup's revision.
      assertThat(put(store, "/cnm/v1/networks/new", "after restore")).isEqualTo(revisionAtBackup + 1);
    }
  }
}
