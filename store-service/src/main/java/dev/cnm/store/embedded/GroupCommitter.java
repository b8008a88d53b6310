package dev.cnm.store.embedded;

import dev.cnm.api.v1.ErrorReason;
import dev.cnm.api.v1.Event;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer: takes every queued write, applies them in one SQL transaction, commits
 * (one fsync for the whole batch: group commit), publishes the batch's events, then completes
 * the callers' futures. A write is acknowledged only after it is durable.
 */
final class GroupCommitter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GroupCommitter.class);
  private static final int MAX_BATCH = 512;
  /** Batches up to this size are acknowledged on the writer thread itself. */
  private static final int INLINE_ACKS = 2;

  /** One write: runs on the writer thread inside the batch's transaction. */
  interface Work<R> {
    R apply(MvccWriter writer) throws SQLException;
  }

  private record Task<R>(Work<R> work, CompletableFuture<R> future, Runnable[] afterCommit) {}

  private final Sql sql;
  private final MvccWriter writer;
  private final Consumer<List<List<Event>>> publisher;
  private final BlockingQueue<Task<?>> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  // acknowledges on its own thread, in commit order, so the writer can start the next batch at once
  private final java.util.concurrent.ExecutorService acker = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "cnm-store-ack");
    t.setDaemon(true);
    return t;
  });
  private volatile boolean running = true;
  private volatile boolean checkpointWanted;

  GroupCommitter(Sql sql, MvccWriter writer, Consumer<List<List<Event>>> publisher) {
    this.sql = sql;
    this.writer = writer;
    this.publisher = publisher;
    this.thread = new Thread(this::loop, "cnm-store-writer");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  /** Queues a write; the future completes after the batch holding it is durable. */
  <R> CompletableFuture<R> submit(Work<R> work) {
    return submit(work, null);
  }

  /** Queues a write with an action to run after its batch committed (before completion). */
  <R> CompletableFuture<R> submit(Work<R> work, Runnable afterCommit) {
    CompletableFuture<R> future = new CompletableFuture<>();
    if (!running) {
      future.completeExceptionally(CnmException.unavailable("store is shutting down", null));
      return future;
    }
    queue.add(new Task<>(work, future, new Runnable[] {afterCommit}));
    return future;
  }

  /**
   * Asks the writer to checkpoint on its own connection once its next batch committed and was
   * handed to the acknowledgers: a complete checkpoint there lets the transaction after it write
   * the WAL from its beginning again (see {@link WalCheckpointer}).
   */
  void checkpointAfterNextCommit() {
    checkpointWanted = true;
  }

  private void loop() {
    List<Task<?>> batch = new ArrayList<>();
    while (running || !queue.isEmpty()) {
      try {
        Task<?> first = queue.take();
        batch.add(first);
        queue.drainTo(batch, MAX_BATCH - 1);
        runBatch(batch);
      } catch (InterruptedException e) {
        if (!running) {
          break;
        }
      } finally {
        batch.clear();
      }
    }
    for (Task<?> t; (t = queue.poll()) != null; ) {
      t.future().completeExceptionally(CnmException.unavailable("store is shutting down", null));
    }
  }

  private void runBatch(List<Task<?>> batch) {
    List<Object> results = new ArrayList<>(batch.size());
    List<Throwable> failures = new ArrayList<>(batch.size());
    try {
      for (Task<?> t : batch) {
        try {
          results.add(t.work().apply(writer));
          failures.add(null);
        } catch (CnmException e) {
          // validation failure: the work wrote nothing
          results.add(null);
          failures.add(e);
        }
      }
      writer.saveMeta();
      sql.commit();
    } catch (SQLException | RuntimeException e) {
      log.error("store batch of {} writes failed, rolled back", batch.size(), e);
      sql.rollback();
      try {
        writer.reset();
      } catch (SQLException again) {
        log.error("cannot reload store revisions", again);
      }
      CnmException failure = new CnmException(ErrorKind.INTERNAL, ErrorReason.STORE_WRITE_FAILED,
          "store write failed: " + e.getMessage(), java.util.Map.of(), e);
      for (Task<?> t : batch) {
        t.future().completeExceptionally(failure);
      }
      return;
    }
    publisher.accept(writer.drainEvents());
    List<Task<?>> committed = List.copyOf(batch);
    Runnable acknowledge = () -> {
      for (int i = 0; i < committed.size(); i++) {
        complete(committed.get(i), results.get(i), failures.get(i));
      }
    };
    if (committed.size() <= INLINE_ACKS) {
      acknowledge.run(); // a lone writer: a thread hand-off would cost more than the acks
    } else {
      acker.execute(acknowledge);
    }
    if (checkpointWanted) {
      checkpointWanted = false;
      try {
        sql.checkpoint();
      } catch (SQLException e) {
        log.warn("store checkpoint on the writer failed: {}", e.getMessage());
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static <R> void complete(Task<R> t, Object result, Throwable failure) {
    if (failure != null) {
      t.future().completeExceptionally(failure);
      return;
    }
    if (t.afterCommit()[0] != null) {
      t.afterCommit()[0].run();
    }
    t.future().complete((R) result);
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
    try {
      thread.join(10_000);
      acker.shutdown();
      acker.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
