package dev.cnm.bench.overlay;

import dev.cnm.agent.netns.Namespaces;
import dev.cnm.agent.netns.NetNamespace;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A probe from inside a sandbox: a platform thread joins the sandbox's namespace, prepares there
 * (before any clock starts), waits for {@link #go()}, then makes attempts until one succeeds and
 * reports when. {@link Prober} pings, {@link NameProber} asks the embedded resolver.
 */
final class NamespaceProbe {
  /** What the probe does in the namespace. */
  interface Body {
    /** Before the clock: e.g. check the local path, open a client. */
    void prepare() throws Exception;

    /** One attempt; true when the awaited answer came. */
    boolean attempt() throws Exception;
  }

  private final CountDownLatch ready = new CountDownLatch(1);
  private final CountDownLatch go = new CountDownLatch(1);
  private final CountDownLatch done = new CountDownLatch(1);
  private volatile long succeededAt = -1;
  private volatile Throwable failure;

  private NamespaceProbe() {}

  /** Starts the probe's thread in {@code sandbox} (closed when the probe ends); returns once it prepared. */
  static NamespaceProbe start(NetNamespace sandbox, String threadName, int maxAttempts, String what, Body body)
      throws InterruptedException {
    NamespaceProbe p = new NamespaceProbe();
    Thread t = new Thread(() -> {
      try {
        Namespaces.runIn(sandbox, () -> {
          body.prepare();
          p.ready.countDown();
          p.go.await();
          for (int attempt = 0; attempt < maxAttempts; attempt++) {
            if (body.attempt()) {
              p.succeededAt = System.nanoTime();
              return null;
            }
          }
          throw new IllegalStateException(what + " after " + maxAttempts + " attempts");
        });
      } catch (Throwable e) {
        p.failure = e;
      } finally {
        sandbox.close();
        p.ready.countDown();
        p.done.countDown();
      }
    }, threadName);
    t.setDaemon(true);
    t.start();
    p.ready.await();
    return p;
  }

  /** Starts probing; returns System.nanoTime() of the first success. */
  long go() throws InterruptedException {
    go.countDown();
    if (!done.await(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("probe did not finish");
    }
    if (failure != null) {
      throw new IllegalStateException("probe failed: " + failure, failure);
    }
    return succeededAt;
  }
}
