package dev.cnm.store.embedded;

import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * etcd's MVCC model in SQL, in the manner of k3s's kine: {@code log} is the revision log (one
 * row per key change, tombstones included, {@code id} increasing with {@code rev}); {@code kv}
 * is the current state, so current reads need no log scan (one row per key, found through the
 * key's unique index); {@code lease} holds granted leases;
 * {@code meta} the current and compacted revision. Compaction deletes log rows that no revision
 * at or after the compaction point can see.
 */
final class Schema {
  private Schema() {}

  static void create(Sql sql) throws SQLException {
    sql.exec("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL)");
    boolean withoutRowid = tableSql(sql, "kv").contains("WITHOUT ROWID");
    if (withoutRowid) {
      sql.exec("ALTER TABLE kv RENAME TO kv_without_rowid");
    }
    // a rowid table with its keys in an index: in a WITHOUT ROWID table a row is its own index
    // entry, so every key lookup read whole rows, values included (an IPAM block can be 17 KB),
    // from each cell it compared on the way down the tree
    sql.exec("CREATE TABLE IF NOT EXISTS kv (key BLOB NOT NULL UNIQUE, create_rev INTEGER NOT NULL,"
        + " mod_rev INTEGER NOT NULL, version INTEGER NOT NULL, lease INTEGER NOT NULL, value BLOB NOT NULL)");
    if (withoutRowid) {
      // a data dir written before the change: same columns, same rows
      sql.exec("INSERT INTO kv (key, create_rev, mod_rev, version, lease, value)"
          + " SELECT key, create_rev, mod_rev, version, lease, value FROM kv_without_rowid ORDER BY key");
      sql.exec("DROP TABLE kv_without_rowid"); // and its kv_lease index, made again below
    }
    sql.exec("CREATE INDEX IF NOT EXISTS kv_lease ON kv(lease) WHERE lease <> 0");
    sql.exec("CREATE TABLE IF NOT EXISTS log (id INTEGER PRIMARY KEY, rev INTEGER NOT NULL,"
        + " key BLOB NOT NULL, deleted INTEGER NOT NULL, create_rev INTEGER NOT NULL,"
        + " version INTEGER NOT NULL, lease INTEGER NOT NULL, value BLOB)");
    sql.exec("CREATE INDEX IF NOT EXISTS log_key ON log(key, id)");
    sql.exec("CREATE INDEX IF NOT EXISTS log_rev ON log(rev)");
    sql.exec("CREATE TABLE IF NOT EXISTS lease (id INTEGER PRIMARY KEY, ttl INTEGER NOT NULL)");
    // etcd starts at revision 1; the cluster id is random per data dir
    sql.exec("INSERT OR IGNORE INTO meta VALUES ('revision', 1), ('compact', 0),"
        + " ('cluster_id', abs(random()))");
    sql.commit();
  }

  /** The CREATE statement of a table, or "" if there is none. */
  private static String tableSql(Sql sql, String table) throws SQLException {
    var ps = sql.ps("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?");
    ps.setString(1, table);
    try (ResultSet rs = ps.executeQuery()) {
      return rs.next() ? rs.getString(1) : "";
    }
  }

  static long meta(Sql sql, String name) throws SQLException {
    var ps = sql.ps("SELECT value FROM meta WHERE name = ?");
    ps.setString(1, name);
    try (ResultSet rs = ps.executeQuery()) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  static void setMeta(Sql sql, String name, long value) throws SQLException {
    var ps = sql.ps("UPDATE meta SET value = ? WHERE name = ?");
    ps.setLong(1, value);
    ps.setString(2, name);
    ps.executeUpdate();
  }
}
