package dev.cnm.cli.operations;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.cnm.api.v1.PutRequest;
import dev.cnm.api.v1.RangeRequest;
import dev.cnm.api.v1.RangeResponse;
import dev.cnm.store.embedded.EmbeddedBackend;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backup and restore procedure of docs/operations.md for the embedded store, run against the
 * store's real database file: an online backup through SQLite's backup API (what the sqlite3
 * shell's {@code .backup} calls; here through sqlite-jdbc's {@code backup to}, so the test needs
 * no extra package) while the store has the file open, then a restore into a fresh data dir that
 * the store opens again.
 */
class EmbeddedStoreBackupIT {
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

  /** A second connection, as an operator's sqlite3 shell would open, runs the online backup. */
  private static void onlineBackup(Path database, Path target) throws SQLException {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + database);
        Statement statement = connection.createStatement()) {
      statement.executeUpdate("backup to " + target);
    }
  }

  private static String integrityCheck(Path database) throws SQLException {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + database);
        Statement statement = connection.createStatement();
        ResultSet result = statement.executeQuery("PRAGMA integrity_check")) {
      assertThat(result.next()).isTrue();
      return result.getString(1);
    }
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
      // With the store still open and serving, its last writes possibly only in the WAL.
      assertThat(data.resolve("store.db-wal")).exists();
      onlineBackup(data.resolve("store.db"), backup);
      put(store, "/cnm/v1/networks/after-backup", "not in the backup");
    }
    assertThat(integrityCheck(backup)).isEqualTo("ok");

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
