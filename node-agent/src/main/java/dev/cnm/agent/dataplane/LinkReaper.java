package dev.cnm.agent.dataplane;

import dev.cnm.agent.netlink.NetlinkHandle;
import dev.cnm.agent.netlink.link.Link;
import dev.cnm.agent.netlink.sys.NoSuchDeviceException;
import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes detached veths in the host namespace on a thread of its own. Deleting a veth costs
 * ~15-30 ms of kernel time (the unregister waits for RCU grace periods, partly under RTNL), which
 * would otherwise sit on the Leave path; a detach only has to take the sandbox end out of service
 * (down and renamed), and the pair's actual deletion happens here, off that path.
 *
 * <p>Uses its own netlink handle: the dataplane's is used under the dataplane's lock. A queued
 * link is deleted only if the kernel still holds it under the same index, name and mark, so a
 * link made meanwhile (the same endpoint re-attached under the same name) is never touched;
 * one already gone is what was wanted.
 *
 * <p>{@link #close} finishes the deletion under way and drops the rest: the links left behind
 * carry cnm's mark, and the next full reconcile deletes them (an undesired marked veth is swept;
 * a desired endpoint's is not adopted, its sandbox end being renamed, so it is replaced).
 */
final class LinkReaper implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LinkReaper.class);

  /** A link to delete, as the dataplane last saw it. */
  record Doomed(int index, String name, String alias) {}

  private final NetlinkHandle host;
  // guarded by this
  private final Deque<Doomed> queue = new ArrayDeque<>();
  private Thread thread;
  private boolean busy;
  private boolean closed;

  /** @param host a handle in the host namespace that this reaper owns (closed by {@link #close}) */
  LinkReaper(NetlinkHandle host) {
    this.host = host;
  }

  /** Queues the link's deletion; false when closed (the caller then deletes it itself). */
  synchronized boolean reap(Doomed link) {
    if (closed) {
      return false;
    }
    queue.addLast(link);
    if (thread == null) {
      thread = new Thread(this::run, "cnm-link-reaper");
      thread.setDaemon(true);
      thread.start();
    }
    notifyAll();
    return true;
  }

  /** Nothing queued and no deletion under way. */
  synchronized boolean idle() {
    return queue.isEmpty() && !busy;
  }

  private void run() {
    while (true) {
      Doomed next;
      synchronized (this) {
        while (queue.isEmpty() && !closed) {
          try {
            wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        if (closed) {
          return;
        }
        next = queue.pollFirst();
        busy = true;
      }
      try {
        delete(next);
      } catch (RuntimeException e) {
        // the mark stays on it, so the next full reconcile deletes it
        LOG.warn("cannot delete detached link " + next.name() + ": " + e.getMessage(), e);
      } finally {
        synchronized (this) {
          busy = false;
        }
      }
    }
  }

  private void delete(Doomed d) {
    Link now;
    try {
      now = host.links().get(d.index());
    } catch (NoSuchDeviceException gone) {
      return;
    }
    if (now.name().equals(d.name()) && now.alias().equals(d.alias())) {
      host.links().deleteIfPresent(d.index());
    }
  }

  /** Stops the thread after the deletion under way; the queued rest stays for the next reconcile. */
  @Override
  public void close() {
    Thread t;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      t = thread;
      if (!queue.isEmpty()) {
        LOG.debug("{} detached links left to the next reconcile", queue.size());
      }
      queue.clear();
      notifyAll();
    }
    if (t != null) {
      try {
        // one deletion is tens of milliseconds; a kernel stuck far longer is not worth waiting for
        t.join(2_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (t == null || !t.isAlive()) {
      host.close();
    }
  }
}
