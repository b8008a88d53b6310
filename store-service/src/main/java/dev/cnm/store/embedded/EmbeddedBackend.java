package dev.cnm.store.embedded;

import dev.cnm.api.v1.CompactRequest;
import dev.cnm.api.v1.CompactResponse;
import dev.cnm.api.v1.DeleteRangeRequest;
import dev.cnm.api.v1.DeleteRangeResponse;
import dev.cnm.api.v1.ErrorReason;
import dev.cnm.api.v1.Event;
import dev.cnm.api.v1.LeaseGrantRequest;
import dev.cnm.api.v1.LeaseGrantResponse;
import dev.cnm.api.v1.LeaseKeepAliveRequest;
import dev.cnm.api.v1.LeaseKeepAliveResponse;
import dev.cnm.api.v1.LeaseRevokeRequest;
import dev.cnm.api.v1.LeaseRevokeResponse;
import dev.cnm.api.v1.LeaseTimeToLiveRequest;
import dev.cnm.api.v1.LeaseTimeToLiveResponse;
import dev.cnm.api.v1.PutRequest;
import dev.cnm.api.v1.PutResponse;
import dev.cnm.api.v1.RangeRequest;
import dev.cnm.api.v1.RangeResponse;
import dev.cnm.api.v1.ResponseHeader;
import dev.cnm.api.v1.TxnRequest;
import dev.cnm.api.v1.TxnResponse;
import dev.cnm.api.v1.WatchRequest;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.store.backend.KvBackend;
import dev.cnm.store.backend.StoreLimits;
import dev.cnm.store.backend.WatchHandle;
import dev.cnm.store.backend.WatchSink;
import java.nio.file.Files;
import java.time.Duration;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The embedded backend: one SQLite file ({@code store.db}) under the data dir, in WAL mode with
 * durable commits. Writes go through one writer with group commit; reads use a small pool of
 * reader connections (WAL readers never block the writer); watches are served from the revision
 * log; leases expire by a 100 ms sweep that revokes them through the writer (deleting their keys
 * and emitting delete events).
 */
public final class EmbeddedBackend implements KvBackend {
  private static final int READERS = 4;

  private final Sql writerSql;
  private final MvccWriter writer;
  private final GroupCommitter committer;
  private final WatchHub hub;
  private final LeaseClock leases = new LeaseClock();
  private final BlockingQueue<Sql> readers = new ArrayBlockingQueue<>(READERS);
  private final ScheduledExecutorService sweeper;
  private final WalCheckpointer checkpointer;
  private final long clusterId;

  /**
   * History the embedded store keeps: every {@code interval} it compacts away revisions older
   * than the newest {@code revisions} (as kine does), so the revision log stays bounded while a
   * watcher that was briefly disconnected can still resume.
   */
  public record Retention(long revisions, Duration interval) {
    /** Keep the last 10,000 revisions, compacting every 5 minutes. */
    public static final Retention DEFAULT = new Retention(10_000, Duration.ofMinutes(5));
  }

  private EmbeddedBackend(Path file, Retention retention) throws SQLException {
    writerSql = Sql.open(file);
    // checkpoints run on their own connection (WalCheckpointer), never inside a commit: a
    // checkpoint fsyncs the database file, which would stall every write of the batch behind it
    writerSql.exec("PRAGMA wal_autocheckpoint=0");
    Schema.create(writerSql);
    clusterId = Schema.meta(writerSql, "cluster_id");
    writer = new MvccWriter(writerSql, clusterId, Schema.meta(writerSql, "revision"), Schema.meta(writerSql, "compact"));
    try (ResultSet rs = writerSql.ps("SELECT id, ttl FROM lease").executeQuery()) {
      while (rs.next()) {
        leases.start(rs.getLong(1), rs.getLong(2));
      }
    }
    writerSql.commit();
    for (int i = 0; i < READERS; i++) {
      readers.add(Sql.open(file));
    }
    hub = new WatchHub(clusterId, writer.revision(), this::history);
    committer = new GroupCommitter(writerSql, writer, hub::publish);
    checkpointer = new WalCheckpointer(file, committer);
    sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "cnm-store-lease-sweep");
      t.setDaemon(true);
      return t;
    });
    sweeper.scheduleWithFixedDelay(this::expireLeases, 100, 100, TimeUnit.MILLISECONDS);
    sweeper.scheduleWithFixedDelay(checkpointer::run, 1, 1, TimeUnit.SECONDS);
    long every = retention.interval().toMillis();
    sweeper.scheduleWithFixedDelay(() -> autoCompact(retention.revisions()), every, every, TimeUnit.MILLISECONDS);
  }

  /** Opens (creating if needed) the store in {@code dataDir}/store.db. */
  public static EmbeddedBackend open(Path dataDir) {
    return open(dataDir, Retention.DEFAULT);
  }

  /** Opens the store with a history retention of its own. */
  public static EmbeddedBackend open(Path dataDir, Retention retention) {
    try {
      Files.createDirectories(dataDir);
      return new EmbeddedBackend(dataDir.resolve("store.db"), retention);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (SQLException e) {
      throw new CnmException(ErrorKind.UNAVAILABLE, ErrorReason.STORE_OPEN_FAILED,
          "cannot open the store database in " + dataDir + ": " + e.getMessage(), Map.of(), e);
    }
  }

  @Override
  public String name() {
    return "embedded";
  }

  /** Runs a read on a pooled connection inside one snapshot (a read transaction). */
  private interface Read<R> {
    R run(Sql sql, long revision, long compact) throws SQLException;
  }

  private <R> R read(Read<R> read) {
    Sql sql;
    try {
      sql = readers.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CnmException.unavailable("interrupted", e);
    }
    try {
      long revision = Schema.meta(sql, "revision");
      long compact = Schema.meta(sql, "compact");
      return read.run(sql, revision, compact);
    } catch (SQLException e) {
      throw new CnmException(ErrorKind.INTERNAL, ErrorReason.STORE_READ_FAILED, "store read failed: " + e.getMessage(),
          Map.of(), e);
    } finally {
      sql.rollback(); // ends the read snapshot
      readers.add(sql);
    }
  }

  private ResponseHeader header(long revision) {
    return ResponseHeader.newBuilder().setRevision(revision).setClusterId(clusterId).build();
  }

  @Override
  public CompletableFuture<RangeResponse> range(RangeRequest request) {
    try {
      return CompletableFuture.completedFuture(read((sql, revision, compact) ->
          KvQueries.range(sql, request, revision, compact, header(revision))));
    } catch (CnmException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletableFuture<PutResponse> put(PutRequest request) {
    return committer.submit(w -> w.put(request));
  }

  @Override
  public CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest request) {
    return committer.submit(w -> w.deleteRange(request));
  }

  @Override
  public CompletableFuture<TxnResponse> txn(TxnRequest request) {
    return committer.submit(w -> w.txn(request));
  }

  @Override
  public CompletableFuture<CompactResponse> compact(CompactRequest request) {
    return committer.submit(w -> {
      w.compact(request.getRevision());
      return CompactResponse.newBuilder().setHeader(w.header()).build();
    });
  }

  @Override
  public WatchHandle watch(WatchRequest request, WatchSink sink) {
    return hub.watch(request, sink);
  }

  private List<Event> history(KeyRange range, long from, long to, boolean prevKv) {
    return read((sql, revision, compact) -> {
      if (from < compact) {
        throw StoreLimits.compacted("start_revision", from, compact);
      }
      return KvQueries.events(sql, range, from, to, prevKv);
    });
  }

  @Override
  public CompletableFuture<LeaseGrantResponse> leaseGrant(LeaseGrantRequest request) {
    long ttl = request.getTtl();
    long[] id = new long[1];
    return committer.submit(w -> {
      do {
        id[0] = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
      } while (w.leaseExists(id[0]));
      w.grantLease(id[0], ttl);
      return LeaseGrantResponse.newBuilder().setHeader(w.header()).setId(id[0]).setTtl(ttl).build();
    }, () -> leases.start(id[0], ttl));
  }

  @Override
  public CompletableFuture<LeaseRevokeResponse> leaseRevoke(LeaseRevokeRequest request) {
    long id = request.getId();
    return committer.submit(w -> {
      if (!w.revokeLease(id)) {
        throw StoreLimits.leaseNotFound("id", id);
      }
      return LeaseRevokeResponse.newBuilder().setHeader(w.header()).build();
    }, () -> leases.forget(id));
  }

  @Override
  public CompletableFuture<LeaseKeepAliveResponse> leaseKeepAlive(LeaseKeepAliveRequest request) {
    long ttl = leases.renew(request.getId());
    long revision = read((sql, rev, compact) -> rev);
    return CompletableFuture.completedFuture(LeaseKeepAliveResponse.newBuilder()
        .setHeader(header(revision)).setId(request.getId()).setTtl(ttl).build());
  }

  @Override
  public CompletableFuture<LeaseTimeToLiveResponse> leaseTimeToLive(LeaseTimeToLiveRequest request) {
    long id = request.getId();
    try {
      return CompletableFuture.completedFuture(read((sql, revision, compact) -> {
        var out = LeaseTimeToLiveResponse.newBuilder().setHeader(header(revision)).setId(id);
        var remaining = leases.remaining(id);
        if (remaining.isEmpty()) {
          return out.setTtl(-1).build();
        }
        out.setTtl(remaining.getAsLong()).setGrantedTtl(leases.granted(id));
        if (request.getKeys()) {
          var ps = sql.ps("SELECT key FROM kv WHERE lease = ? ORDER BY key");
          ps.setLong(1, id);
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              out.addKeys(com.google.protobuf.ByteString.copyFrom(rs.getBytes(1)));
            }
          }
        }
        return out.build();
      }));
    } catch (CnmException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private void autoCompact(long keep) {
    committer.submit(w -> {
      long target = w.revision() - keep;
      if (target > w.compact()) {
        w.compact(target);
      }
      return null;
    });
  }

  private void expireLeases() {
    for (long id : leases.takeExpired()) {
      committer.submit(w -> w.revokeLease(id), () -> leases.forget(id));
    }
  }

  @Override
  public void close() {
    sweeper.shutdownNow();
    committer.close();
    checkpointer.close();
    hub.close();
    writerSql.close();
    for (Sql r; (r = readers.poll()) != null; ) {
      r.close();
    }
  }
}
