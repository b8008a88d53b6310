package dev.cnm.controller.session;

import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.Network;
import dev.cnm.api.v1.Sandbox;
import dev.cnm.api.v1.Scope;
import dev.cnm.controller.domain.node.NodeSync;
import dev.cnm.controller.domain.repository.ObjectRepository;
import dev.cnm.controller.domain.repository.StoreKeys;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.store.client.KvObject;
import dev.cnm.store.client.StoreWatch;
import dev.cnm.store.client.WatchEvent;
import dev.cnm.store.client.WatchListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every node's overlay peers current. A node's desired state lists the endpoints of its
 * overlay networks joined on other live nodes, so a change on one node concerns the others:
 * an endpoint joined, left or deleted on node B must reach every other node holding that
 * network; a node record that appears or vanishes (registration, session end, lease expiry)
 * must reach every node sharing an overlay network with it. This class watches the store for
 * those changes (endpoints, sandboxes and node records) and republishes the affected nodes
 * that hold a session with this controller. Watching the store rather than hooking the managers means a
 * change made through any controller replica, or by a lease expiring, is seen by every replica.
 *
 * <p>The node whose own objects changed (a sandbox of it created, updated or deleted; an
 * endpoint joined to or left from one of its sandboxes) is republished too, since the change
 * may have been made through another replica, which cannot reach that node's session; a change
 * made here was already sent by the operation itself (the session knows the store revision its
 * last snapshot covers, so that costs nothing, and it never resends a snapshot equal to the
 * last one), which is why this republish waits a short grace first. Work is batched on one thread, so a burst of changes costs one read of the object
 * lists and one snapshot per affected node. Reads go through the
 * repository's cached view, the one desired states are built from; a batch first waits until
 * that view shows its changes (it is fed by a watch of its own, which may lag this one).
 */
public final class PeerFanout implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PeerFanout.class);
  /** The longest a batch waits for the repository view to show its changes. */
  private static final Duration VIEW_WAIT = Duration.ofSeconds(2);
  /**
   * How long a change of a node's own objects waits before this class republishes the node. A
   * change made through this replica is published by the operation itself right after its
   * commit, and the watch often reports the commit first: republishing at once would race the
   * operation (a second snapshot build per change, and the node applying a snapshot that is not
   * the operation's own, so the request's trace would miss the apply). After the grace the
   * session already covers such a change and nothing is sent; a change made through another
   * replica is published here, this much later.
   */
  private static final Duration OWN_GRACE = Duration.ofMillis(20);

  /** A deferred republish of a node's own change: the newest revision to cover and when. */
  private record Due(long revision, long at) {}

  private final ObjectRepository repo;
  private final NodeSync nodes;
  private final BlockingQueue<FanoutChange> queue = new LinkedBlockingQueue<>();
  /** Network id → whether it spans nodes (its scope never changes); used by the worker only. */
  private final Map<String, Boolean> global = new HashMap<>();
  /** Node → its deferred own-change republish; used by the worker only. */
  private final Map<String, Due> ownDue = new HashMap<>();
  private final Thread worker;
  private final Object lock = new Object();
  // guarded by lock
  private final List<StoreWatch> watches = new ArrayList<>();
  private boolean closed;

  private PeerFanout(ObjectRepository repo, NodeSync nodes) {
    // the view desired states are built from, so that what this class reads matches what they see
    this.repo = repo.cached();
    this.nodes = nodes;
    this.worker = new Thread(this::run, "cnm-peer-fanout");
    this.worker.setDaemon(true);
  }

  /** Starts watching from the store's next change (a node that registers gets its full state anyway). */
  public static PeerFanout start(ObjectRepository repo, NodeSync nodes) {
    PeerFanout f = new PeerFanout(repo, nodes);
    f.worker.start();
    f.watch(StoreKeys.ENDPOINTS);
    f.watch(StoreKeys.NODES);
    f.watch(StoreKeys.SANDBOXES);
    return f;
  }

  private void watch(String prefix) {
    synchronized (lock) {
      if (closed) {
        return;
      }
      watches.add(repo.store().watch(prefix, 0, new Listener(prefix)));
    }
  }

  private final class Listener implements WatchListener {
    private final String prefix;

    Listener(String prefix) {
      this.prefix = prefix;
    }

    @Override
    public void onEvents(long revision, List<WatchEvent> events) {
      for (WatchEvent e : events) {
        try {
          FanoutChange c = FanoutChange.of(prefix, e);
          if (c != null) {
            queue.add(c);
          }
        } catch (RuntimeException ex) {
          LOG.warn("cannot read watch event on " + e.key(), ex);
        }
      }
    }

    @Override
    public void onError(CnmException error) {
      // the history the watch needed is gone: start over from now and republish what may have been missed
      LOG.warn("store watch on " + prefix + " ended (" + error.getMessage() + "); restarting it");
      synchronized (lock) {
        if (closed) {
          return;
        }
      }
      queue.add(new FanoutChange.Everything());
      watch(prefix);
    }
  }

  private void run() {
    long backoffMillis = 100;
    while (true) {
      List<FanoutChange> batch = new ArrayList<>();
      try {
        FanoutChange first = ownDue.isEmpty() ? queue.take()
            : queue.poll(Math.max(0, nextDue() - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
        if (first != null) {
          batch.add(first);
          queue.drainTo(batch);
          awaitViews(batch);
          fanOut(batch);
        }
        republishDueOwners();
        backoffMillis = 100;
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        // e.g. the store is unreachable: try the same changes again later (they are re-read
        // from the store then, so a retry never publishes a stale view)
        LOG.warn("republishing overlay peers failed; retrying in " + backoffMillis + " ms", e);
        queue.addAll(batch);
        try {
          Thread.sleep(backoffMillis);
        } catch (InterruptedException ie) {
          return;
        }
        backoffMillis = Math.min(5_000, backoffMillis * 2);
      }
    }
  }

  /**
   * Waits (briefly) until the repository view the desired states are built from shows each
   * change: that view may be an in-memory copy fed by a watch of its own, which can lag this
   * one, and a snapshot built from it before it caught up would miss the change for good.
   */
  private void awaitViews(List<FanoutChange> batch) throws InterruptedException {
    long deadline = System.nanoTime() + VIEW_WAIT.toNanos();
    for (FanoutChange c : batch) {
      while (!shown(c) && System.nanoTime() < deadline) {
        Thread.sleep(2);
      }
    }
  }

  private boolean shown(FanoutChange c) {
    Optional<? extends KvObject<?>> now;
    long revision;
    boolean deleted;
    if (c instanceof FanoutChange.EndpointChange ec) {
      now = repo.endpointInView(ec.networkId(), ec.endpointId());
      revision = ec.revision();
      deleted = ec.deleted();
    } else if (c instanceof FanoutChange.NodeChange nc) {
      now = repo.node(nc.node());
      revision = nc.revision();
      deleted = nc.deleted();
    } else if (c instanceof FanoutChange.SandboxChange sc) {
      now = repo.sandboxInView(sc.sandboxId());
      revision = sc.revision();
      deleted = sc.deleted();
    } else {
      return true;
    }
    return now.isEmpty() ? deleted : now.get().modRevision() >= revision + (deleted ? 1 : 0);
  }

  private void fanOut(List<FanoutChange> batch) {
    List<FanoutChange.EndpointChange> endpoints = new ArrayList<>();
    Set<String> changedNodes = new HashSet<>();
    Map<String, Long> own = new HashMap<>(); // node → the newest change of its own objects
    boolean everything = false;
    for (FanoutChange c : batch) {
      if (c instanceof FanoutChange.EndpointChange ec) {
        for (String sb : ec.sandboxIds()) {
          repo.sandboxById(sb).ifPresent(s -> own.merge(s.value().getNode(), ec.revision(), Math::max));
        }
        if (ec.peerChanged() && isGlobal(ec.networkId())) {
          endpoints.add(ec);
        }
      } else if (c instanceof FanoutChange.NodeChange nc) {
        changedNodes.add(nc.node());
      } else if (c instanceof FanoutChange.SandboxChange sc) {
        own.merge(sc.node(), sc.revision(), Math::max);
      } else {
        everything = true;
      }
    }
    long due = System.nanoTime() + OWN_GRACE.toNanos();
    own.forEach((node, revision) -> ownDue.merge(node, new Due(revision, due),
        (a, b) -> new Due(Math.max(a.revision(), b.revision()), a.at())));
    if (endpoints.isEmpty() && changedNodes.isEmpty() && !everything) {
      return; // only changes of local networks: nothing to read
    }
    Holders h = Holders.read(repo, global);
    Set<String> targets = new LinkedHashSet<>();
    for (FanoutChange.EndpointChange ec : endpoints) {
      Set<String> origins = new HashSet<>();
      for (String sb : ec.sandboxIds()) {
        String n = h.nodeOfSandbox.get(sb);
        if (n != null) {
          origins.add(n);
        }
      }
      for (String n : h.byNetwork.getOrDefault(ec.networkId(), Set.of())) {
        if (!origins.contains(n)) {
          targets.add(n);
        }
      }
    }
    for (Set<String> holders : h.byNetwork.values()) {
      if (everything) {
        targets.addAll(holders);
        continue;
      }
      for (String changed : changedNodes) {
        if (holders.contains(changed)) {
          // the changed node itself got its full state when it registered (or has no session)
          holders.stream().filter(n -> !n.equals(changed)).forEach(targets::add);
        }
      }
    }
    for (String node : targets) {
      if (nodes.isConnected(node)) {
        nodes.publish(node);
      }
    }
  }

  /** When the earliest deferred republish of a node's own change is due. */
  private long nextDue() {
    return ownDue.values().stream().mapToLong(Due::at).min().orElse(Long.MAX_VALUE);
  }

  /** Republishes each node whose own change's grace ran out, unless its session already covers it. */
  private void republishDueOwners() {
    long now = System.nanoTime();
    var it = ownDue.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<String, Due> d = it.next();
      if (d.getValue().at() - now <= 0) {
        it.remove();
        if (nodes.isConnected(d.getKey())) {
          nodes.publishUnlessCovered(d.getKey(), d.getValue().revision());
        }
      }
    }
  }

  private boolean isGlobal(String networkId) {
    Boolean g = global.get(networkId);
    if (g == null) {
      Optional<KvObject<Network>> n = repo.networkById(networkId);
      if (n.isEmpty()) {
        return false; // deleted: it had no endpoints left, so no node holds it
      }
      g = n.get().value().getScope() == Scope.SCOPE_GLOBAL;
      global.put(networkId, g);
    }
    return g;
  }

  /** Which nodes hold each global network (have an endpoint of it joined), from one read of the lists. */
  private record Holders(Map<String, String> nodeOfSandbox, Map<String, Set<String>> byNetwork) {
    static Holders read(ObjectRepository repo, Map<String, Boolean> global) {
      Map<String, String> nodeOf = new HashMap<>();
      for (KvObject<Sandbox> s : repo.sandboxes()) {
        nodeOf.put(s.value().getId(), s.value().getNode());
      }
      Set<String> exist = new HashSet<>();
      for (KvObject<Network> n : repo.networks()) {
        exist.add(n.value().getId());
        global.putIfAbsent(n.value().getId(), n.value().getScope() == Scope.SCOPE_GLOBAL);
      }
      global.keySet().retainAll(exist); // forget deleted networks
      Map<String, Set<String>> by = new HashMap<>();
      for (KvObject<Endpoint> e : repo.allEndpoints()) {
        String node = nodeOf.get(e.value().getSandboxId());
        if (node != null && Objects.equals(global.get(e.value().getNetworkId()), Boolean.TRUE)) {
          by.computeIfAbsent(e.value().getNetworkId(), k -> new HashSet<>()).add(node);
        }
      }
      return new Holders(nodeOf, by);
    }
  }

  @Override
  public void close() {
    List<StoreWatch> ws;
    synchronized (lock) {
      closed = true;
      ws = new ArrayList<>(watches);
      watches.clear();
    }
    ws.forEach(StoreWatch::close);
    worker.interrupt();
  }
}
