package dev.cnm.store.embedded;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import org.sqlite.SQLiteConfig;

/**
 * One SQLite connection with its prepared statements cached. Not thread-safe: the writer thread
 * owns one, every reader borrows one from the pool.
 */
final class Sql implements AutoCloseable {
  private final Connection connection;
  private final Map<String, PreparedStatement> statements = new HashMap<>();

  private Sql(Connection connection) {
    this.connection = connection;
  }

  /**
   * Opens the database file in WAL mode with synchronous=FULL: a commit returns only after the
   * WAL is fsynced, so an acknowledged write survives kill -9 and power loss.
   */
  static Sql open(Path file) throws SQLException {
    return open(file, false);
  }

  /** A connection in autocommit mode (for statements that must run outside a transaction). */
  static Sql openAutocommit(Path file) throws SQLException {
    return open(file, true);
  }

  private static Sql open(Path file, boolean autocommit) throws SQLException {
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    config.setBusyTimeout(10_000);
    config.setTransactionMode(SQLiteConfig.TransactionMode.DEFERRED);
    Connection c = config.createConnection("jdbc:sqlite:" + file.toAbsolutePath());
    c.setAutoCommit(autocommit);
    return new Sql(c);
  }

  PreparedStatement ps(String sql) throws SQLException {
    PreparedStatement ps = statements.get(sql);
    if (ps == null) {
      ps = connection.prepareStatement(sql);
      statements.put(sql, ps);
    }
    ps.clearParameters();
    return ps;
  }

  void exec(String sql) throws SQLException {
    try (Statement s = connection.createStatement()) {
      s.execute(sql);
    }
  }

  /** What a {@code PRAGMA wal_checkpoint} did: whether it was blocked, frames in the WAL, frames copied. */
  record Checkpoint(boolean busy, int walFrames, int copiedFrames) {
    /** Every frame of the WAL is in the database file now. */
    boolean complete() {
      return !busy && copiedFrames == walFrames;
    }
  }

  /**
   * Copies what it can of the WAL into the database file without waiting for readers or the
   * writer (PASSIVE). Must run outside a transaction of this connection.
   */
  Checkpoint checkpoint() throws SQLException {
    try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
      rs.next();
      return new Checkpoint(rs.getInt(1) != 0, rs.getInt(2), rs.getInt(3));
    }
  }

  void commit() throws SQLException {
    connection.commit();
  }

  void rollback() {
    try {
      connection.rollback();
    } catch (SQLException e) {
      // the connection is unusable anyway; the next commit will report it
    }
  }

  @Override
  public void close() {
    try {
      for (PreparedStatement ps : statements.values()) {
        ps.close();
      }
      connection.close();
    } catch (SQLException e) {
      // closing: nothing to do about it
    }
  }
}
