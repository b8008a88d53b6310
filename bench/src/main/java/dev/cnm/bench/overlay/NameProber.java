package dev.cnm.bench.overlay;

import dev.cnm.agent.netns.Namespaces;
import dev.cnm.agent.netns.NetNamespace;
import java.util.Hashtable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.directory.InitialDirContext;

/**
 * Asks the embedded resolver of a sandbox (127.0.0.11, from inside the sandbox's namespace) for
 * a name until it answers with {@code expected}, and reports when. The JDK's DNS provider opens
 * each query's socket on the calling thread, which stays in the sandbox's namespace. Before the
 * name is known the resolver forwards it to the sandbox's upstream; the bench gives the sandbox
 * one that refuses at once (a closed port on its host's loopback), so an early query costs a
 * round trip, not a timeout.
 */
final class NameProber {
  private static final int MAX_ATTEMPTS = 2000;
  private final CountDownLatch ready = new CountDownLatch(1);
  private final CountDownLatch go = new CountDownLatch(1);
  private final CountDownLatch done = new CountDownLatch(1);
  private volatile long answeredAt = -1;
  private volatile Throwable failure;

  private NameProber() {}

  static NameProber start(NetNamespace sandbox, String name, String expected) throws InterruptedException {
    NameProber p = new NameProber();
    Thread t = new Thread(() -> {
      try {
        Namespaces.runIn(sandbox, () -> {
          Hashtable<String, String> env = new Hashtable<>();
          env.put("java.naming.factory.initial", "com.sun.jndi.dns.DnsContextFactory");
          env.put("java.naming.provider.url", "dns://127.0.0.11");
          env.put("com.sun.jndi.dns.timeout.initial", "100");
          env.put("com.sun.jndi.dns.timeout.retries", "1");
          InitialDirContext dns = new InitialDirContext(env);
          p.ready.countDown();
          p.go.await();
          for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            if (answers(dns, name, expected)) {
              p.answeredAt = System.nanoTime();
              dns.close();
              return null;
            }
          }
          dns.close();
          throw new IllegalStateException(name + " did not resolve to " + expected + " after " + MAX_ATTEMPTS + " queries");
        });
      } catch (Throwable e) {
        p.failure = e;
      } finally {
        sandbox.close();
        p.ready.countDown();
        p.done.countDown();
      }
    }, "cnm-bench-name-prober");
    t.setDaemon(true);
    t.start();
    p.ready.await();
    return p;
  }

  private static boolean answers(InitialDirContext dns, String name, String expected) {
    try {
      Attribute a = dns.getAttributes(name, new String[] {"A"}).get("A");
      return a != null && a.contains(expected);
    } catch (NamingException e) {
      return false; // not known yet: SERVFAIL or NXDOMAIN
    }
  }

  /** Starts asking; returns System.nanoTime() of the first answer with the address. */
  long go() throws InterruptedException {
    go.countDown();
    if (!done.await(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("name prober did not finish");
    }
    if (failure != null) {
      throw new IllegalStateException("name probe failed: " + failure, failure);
    }
    return answeredAt;
  }
}
