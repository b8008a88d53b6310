package dev.cnm.store.embedded;

import java.nio.file.Path;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies the WAL into the database file, on a connection of its own so that the database file's
 * fsync never stalls a commit, and keeps the WAL file from growing without end.
 *
 * <p>SQLite writes the WAL from its beginning again only when a write transaction starts while
 * every frame of the WAL is already in the database file. A checkpoint from another connection
 * never finishes between two commits of a busy writer, so under a steady stream of writes the WAL
 * only grew: the IPAM benchmark left a 200 MB WAL after 6,000 commits, and every commit appended
 * to it (an fsync that extends a file costs more than one that overwrites it). So once this
 * connection has copied a WAL of at least {@link #RESTART_AFTER_FRAMES} frames, the writer copies
 * the few frames committed since, on its own connection right after its next commit; the
 * transaction after that starts the WAL over.
 */
final class WalCheckpointer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WalCheckpointer.class);
  /** SQLite's own auto-checkpoint threshold: 1000 pages (4 MB with 4 KB pages). */
  static final int RESTART_AFTER_FRAMES = 1000;

  private final Sql connection;
  private final GroupCommitter committer;

  WalCheckpointer(Path file, GroupCommitter committer) throws SQLException {
    this.connection = Sql.openAutocommit(file);
    this.committer = committer;
  }

  /** One round: copy what the WAL holds; ask the writer to finish the job if the WAL is long. */
  void run() {
    try {
      Sql.Checkpoint c = connection.checkpoint();
      if (c.complete() && c.walFrames() >= RESTART_AFTER_FRAMES) {
        committer.checkpointAfterNextCommit();
      }
    } catch (SQLException e) {
      log.warn("store checkpoint failed: {}", e.getMessage());
    }
  }

  @Override
  public void close() {
    connection.close();
  }
}
