package dev.cnm.bench.overlay;

import dev.cnm.agent.netns.Namespaces;
import dev.cnm.agent.netns.NetNamespace;
import java.net.InetAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Pings from inside a sandbox: a platform thread joins the sandbox's namespace (before any
 * clock starts) and checks its local path, waits for {@link #go()}, then sends ICMP echoes (InetAddress.isReachable uses a
 * raw ICMP socket when run as root) until one is answered, and reports when.
 */
final class Prober {
  private static final int ATTEMPT_TIMEOUT_MS = 20;
  private static final int MAX_ATTEMPTS = 250;
  private final CountDownLatch ready = new CountDownLatch(1);
  private final CountDownLatch go = new CountDownLatch(1);
  private final CountDownLatch done = new CountDownLatch(1);
  private volatile long repliedAt = -1;
  private volatile Throwable failure;

  private Prober() {}

  /**
   * Joins {@code sandbox} and first pings {@code localGateway} (on the sandbox's own node) until it
   * answers, so the new veth and bridge port are forwarding before the clock starts: what is timed
   * afterwards is the remote path alone.
   */
  static Prober start(NetNamespace sandbox, InetAddress localGateway, InetAddress target) throws InterruptedException {
    Prober p = new Prober();
    Thread t = new Thread(() -> {
      try {
        Namespaces.runIn(sandbox, () -> {
          boolean local = false;
          for (int attempt = 0; attempt < MAX_ATTEMPTS && !local; attempt++) {
            local = localGateway.isReachable(ATTEMPT_TIMEOUT_MS);
          }
          if (!local) {
            throw new IllegalStateException("the sandbox's own gateway " + localGateway.getHostAddress() + " never answered");
          }
          p.ready.countDown();
          p.go.await();
          for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            if (target.isReachable(ATTEMPT_TIMEOUT_MS)) {
              p.repliedAt = System.nanoTime();
              return null;
            }
          }
          throw new IllegalStateException("no reply from " + target.getHostAddress() + " after " + MAX_ATTEMPTS
              + " attempts of " + ATTEMPT_TIMEOUT_MS + " ms");
        });
      } catch (Throwable e) {
        p.failure = e;
      } finally {
        sandbox.close();
        p.ready.countDown();
        p.done.countDown();
      }
    }, "cnm-bench-prober");
    t.setDaemon(true);
    t.start();
    p.ready.await();
    return p;
  }

  /** Starts probing; returns System.nanoTime() of the first reply. */
  long go() throws InterruptedException {
    go.countDown();
    if (!done.await(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("prober did not finish");
    }
    if (failure != null) {
      throw new IllegalStateException("probe failed: " + failure, failure);
    }
    return repliedAt;
  }
}
