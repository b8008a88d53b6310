package dev.cnm.store.grpc;

import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Fails the backend futures that are still open at their time limit, with a
 * {@link TimeoutException}. One daemon thread looks over the calls in flight every
 * {@link #TICK_MILLIS} ms, so a limit holds to within a tick. A timer per call
 * ({@code CompletableFuture.orTimeout}) woke its scheduler thread for nearly every call, as each
 * new timer became the earliest: one more thread switch per store write, on top of the write.
 */
final class CallTimeouts {
  static final long TICK_MILLIS = 10;
  /** Shared by every store service in the JVM, like the JDK's own timer thread. */
  static final CallTimeouts SHARED = new CallTimeouts();

  private record Pending(CompletableFuture<?> future, long deadlineNanos) { }

  private final ConcurrentLinkedQueue<Pending> pending = new ConcurrentLinkedQueue<>();

  private CallTimeouts() {
    Thread ticker = new Thread(this::run, "cnm-store-call-timeouts");
    ticker.setDaemon(true);
    ticker.start();
  }

  /** {@code future}, failed with a TimeoutException if it is not done within {@code millis}. */
  <R> CompletableFuture<R> limit(CompletableFuture<R> future, long millis) {
    if (!future.isDone()) {
      pending.add(new Pending(future, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis)));
    }
    return future;
  }

  private void run() {
    while (true) {
      try {
        Thread.sleep(TICK_MILLIS);
      } catch (InterruptedException e) {
        return;
      }
      long now = System.nanoTime();
      for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
        Pending p = it.next();
        if (p.future().isDone()) {
          it.remove();
        } else if (now - p.deadlineNanos() >= 0) {
          p.future().completeExceptionally(new TimeoutException());
          it.remove();
        }
      }
    }
  }
}
