package dev.cnm.agent.dataplane;

import dev.cnm.agent.netlink.NetlinkHandle;
import dev.cnm.agent.netlink.sys.LibC;
import dev.cnm.agent.netns.Namespaces;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A few sandbox namespaces made ahead of need, each with loopback up, arp_notify set and a
 * netlink socket open inside: the kernel's namespace setup (the slow part of a new sandbox,
 * longer still on a busy machine) then happens off the CreateSandbox path, which only names a
 * spare with a bind mount. Refilled by one background thread after each take; a spare that is
 * never used leaves nothing behind (it has no file, and closing its descriptor frees it).
 */
final class SpareNamespaces implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SpareNamespaces.class);
  private final int target;
  // guarded by this
  private final Deque<Namespaces.Spare<NetlinkHandle>> spares = new ArrayDeque<>();
  private int pending;
  private boolean closed;
  private boolean broken;
  private ExecutorService filler;

  SpareNamespaces(int target) {
    this.target = target;
  }

  /** A spare, or null when none is ready (the caller creates one itself); starts refilling. */
  synchronized Namespaces.Spare<NetlinkHandle> take() {
    Namespaces.Spare<NetlinkHandle> s = spares.pollFirst();
    refill();
    return s;
  }

  /** Hands back a spare the caller could not use (e.g. its name was taken). */
  synchronized void giveBack(Namespaces.Spare<NetlinkHandle> s) {
    if (closed) {
      release(s);
    } else {
      spares.addFirst(s);
    }
  }

  private void refill() {
    if (closed || broken) {
      return;
    }
    if (filler == null) {
      filler = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "cnm-netns-spares");
        t.setDaemon(true);
        return t;
      });
    }
    while (spares.size() + pending < target) {
      pending++;
      filler.execute(this::makeOne);
    }
  }

  private void makeOne() {
    Namespaces.Spare<NetlinkHandle> s = null;
    try {
      s = Namespaces.createSpare(SandboxRegistry::prepareCurrentNamespace);
    } catch (RuntimeException e) {
      LOG.warn("cannot make spare namespaces (sandboxes are created on demand): " + e.getMessage());
      synchronized (this) {
        broken = true;
        pending--;
      }
      return;
    }
    synchronized (this) {
      pending--;
      if (!closed) {
        spares.addLast(s);
        return;
      }
    }
    release(s);
  }

  private static void release(Namespaces.Spare<NetlinkHandle> s) {
    s.value().close();
    LibC.close(s.fd());
  }

  @Override
  public void close() {
    ExecutorService f;
    synchronized (this) {
      closed = true;
      while (!spares.isEmpty()) {
        release(spares.pollFirst());
      }
      f = filler;
    }
    if (f != null) {
      f.shutdown();
    }
  }
}
