package dev.cnm.store.embedded;

import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * etcd's MVCC model in SQL, in the manner of k3s's kine: {@code log} is the revision log (one
 * row per key change, tombstones included, {@code id} increasing with {@code rev}); {@code kv}
 * is the current state, so current reads need no log scan; {@code lease} holds granted leases;
 * {@code meta} the current and compacted revision. Compaction deletes log rows that no revision
 * at or after the compaction point can see.
 */
final class Schema {
  private Schema() {}

  static void create(Sql sql) throws SQLException {
    sql.exec("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL)");
    sql.exec("CREATE TABLE IF NOT EXISTS kv (key BLOB PRIMARY KEY, create_rev INTEGER NOT NULL,"
        + " mod_rev INTEGER NOT NULL, version INTEGER NOT NULL, lease INTEGER NOT NULL,"
        + " value BLOB NOT NULL) WITHOUT ROWID");
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
