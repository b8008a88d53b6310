package dev.cnm.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.cnm.api.v1.PutRequest;
import dev.cnm.api.v1.RangeRequest;
import dev.cnm.api.v1.RangeResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A data dir whose kv table is the old WITHOUT ROWID one opens with its rows, on the new table. */
class KvTableMigrationTest {
  @TempDir Path dir;

  @Test
  void oldWithoutRowidKvTable_isCopiedIntoTheRowidTable_rowsRevisionsAndLeaseIndexKept() throws Exception {
    Path file = dir.resolve("store.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
      // the schema as Schema.create made it before kv became a rowid table
      s.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL)");
      s.execute("CREATE TABLE kv (key BLOB PRIMARY KEY, create_rev INTEGER NOT NULL, mod_rev INTEGER NOT NULL,"
          + " version INTEGER NOT NULL, lease INTEGER NOT NULL, value BLOB NOT NULL) WITHOUT ROWID");
      s.execute("CREATE INDEX kv_lease ON kv(lease) WHERE lease <> 0");
      s.execute("INSERT INTO meta VALUES ('revision', 7), ('compact', 0), ('cluster_id', 42)");
      s.execute("INSERT INTO kv VALUES (X'2F61', 2, 5, 3, 0, X'" + "61".repeat(3000) + "'),"
          + " (X'2F62', 6, 7, 1, 0, X'6262')");
    }
    try (EmbeddedBackend store = EmbeddedBackend.open(dir)) {
      RangeResponse all = range(store);
      assertThat(all.getHeader().getRevision()).isEqualTo(7);
      assertThat(all.getKvsList()).extracting(kv -> kv.getKey().toStringUtf8()).containsExactly("/a", "/b");
      assertThat(all.getKvs(0).getValue().size()).isEqualTo(3000);
      assertThat(all.getKvs(0).getCreateRevision()).isEqualTo(2);
      assertThat(all.getKvs(0).getModRevision()).isEqualTo(5);
      assertThat(all.getKvs(0).getVersion()).isEqualTo(3);
      assertThat(all.getKvs(1).getValue().toStringUtf8()).isEqualTo("bb");
      // a put on a migrated key updates its row: create revision kept, version +1
      store.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("/a")).setValue(ByteString.copyFromUtf8("new"))
          .build()).get(10, TimeUnit.SECONDS);
    }
    try (EmbeddedBackend reopened = EmbeddedBackend.open(dir)) {
      RangeResponse all = range(reopened);
      assertThat(all.getKvs(0).getValue().toStringUtf8()).isEqualTo("new");
      assertThat(all.getKvs(0).getCreateRevision()).isEqualTo(2);
      assertThat(all.getKvs(0).getModRevision()).isEqualTo(8);
      assertThat(all.getKvs(0).getVersion()).isEqualTo(4);
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT type, name, sql FROM sqlite_master WHERE tbl_name LIKE 'kv%'"
            + " ORDER BY name")) {
      StringBuilder objects = new StringBuilder();
      while (rs.next()) {
        objects.append(rs.getString(1)).append(' ').append(rs.getString(2)).append(": ").append(rs.getString(3))
            .append('\n');
      }
      assertThat(objects.toString()).doesNotContain("WITHOUT ROWID").doesNotContain("kv_without_rowid")
          .contains("table kv: ").contains("index kv_lease: ").contains("sqlite_autoindex_kv_1");
    }
  }

  private static RangeResponse range(EmbeddedBackend store) {
    return store.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("/"))
        .setRangeEnd(ByteString.copyFromUtf8("0")).build()).join();
  }
}
