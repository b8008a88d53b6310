package dev.cnm.agent.dataplane;

import dev.cnm.agent.netlink.NetlinkHandle;
import dev.cnm.agent.netlink.link.Link;
import dev.cnm.agent.netlink.sys.NoSuchDeviceException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes detached veths in the host namespace on a thread of its own. Deleting a veth costs
 * ~15-30 ms of kernel time (the unregister waits for RCU grace periods, partly under RTNL), which
 * would otherwise sit on the Leave path; a detach only has to take the sandbox end out of service
 * (down and renamed), and the pair's actual deletion happens here, off that path.
 *
 * <p>Deletes in batches: it lets links gather for {@link #BATCH_WINDOW_MS} after the first, puts
 * each into the link group {@link #GROUP} and deletes the group in one request. The kernel then
 * unregisters them together and waits for RCU grace periods once per batch instead of once per
 * veth (measured here, 20 veths: 971 ms one by one, 101 ms as a group), so under churn RTNL is
 * held for a fraction of the time and the Joins queued behind it wait less. A link in the group
 * still carries its mark: after a crash the next full reconcile deletes it like any other.
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

  /**
   * The link group detached links are gathered in before their deletion ("cnm" and 1 in ASCII): a
   * number nothing else on a host uses (the default group is 0), and only this reaper's thread
   * puts links into it, in the host namespace it owns.
   */
  static final int GROUP = 0x636e6d01;
  /** How long a batch gathers after its first link: short beside a deletion's own cost. */
  static final long BATCH_WINDOW_MS = 20;
  /** The most links deleted in one request (bounds how long one batch holds RTNL). */
  static final int MAX_BATCH = 64;

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
      List<Doomed> batch = new ArrayList<>();
      synchronized (this) {
        try {
          while (queue.isEmpty() && !closed) {
            wait();
          }
          long until = System.nanoTime() + BATCH_WINDOW_MS * 1_000_000;
          for (long left; !closed && queue.size() < MAX_BATCH && (left = until - System.nanoTime()) > 0; ) {
            wait(Math.max(1, left / 1_000_000));
          }
        } catch (InterruptedException e) {
          return;
        }
        if (closed) {
          return;
        }
        while (!queue.isEmpty() && batch.size() < MAX_BATCH) {
          batch.add(queue.pollFirst());
        }
        busy = true;
      }
      try {
        delete(batch);
      } catch (RuntimeException e) {
        // the mark stays on them, so the next full reconcile deletes them
        LOG.warn("cannot delete " + batch.size() + " detached links: " + e.getMessage(), e);
      } finally {
        synchronized (this) {
          busy = false;
        }
      }
    }
  }

  /** Puts the batch's links that are still what was queued into {@link #GROUP}, then deletes the group. */
  private void delete(List<Doomed> batch) {
    List<Integer> grouped = new ArrayList<>(batch.size());
    for (Doomed d : batch) {
      Link now;
      try {
        now = host.links().get(d.index());
      } catch (NoSuchDeviceException gone) {
        continue;
      }
      if (now.name().equals(d.name()) && now.alias().equals(d.alias())) {
        try {
          host.links().setGroup(d.index(), GROUP);
          grouped.add(d.index());
        } catch (NoSuchDeviceException gone) {
          // deleted meanwhile (e.g. with its sandbox's namespace)
        }
      }
    }
    if (grouped.isEmpty()) {
      return;
    }
    try {
      host.links().deleteGroup(GROUP);
    } catch (NoSuchDeviceException allGone) {
      // every one of them went meanwhile with its peer's namespace
    } catch (RuntimeException e) {
      // e.g. the kernel refused the group as a whole: one by one still works
      LOG.debug("group delete failed, deleting one by one: " + e.getMessage(), e);
      grouped.forEach(host.links()::deleteIfPresent);
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
