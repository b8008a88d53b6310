package dev.cnm.controller.session;

import dev.cnm.api.v1.DesiredState;
import dev.cnm.api.v1.ErrorReason;
import dev.cnm.api.v1.Node;
import dev.cnm.api.v1.NodeStatus;
import dev.cnm.api.v1.ObjectStatus;
import dev.cnm.api.v1.SnapshotAck;
import dev.cnm.controller.domain.desired.DesiredStateBuilder;
import dev.cnm.controller.domain.node.NodeSync;
import dev.cnm.controller.domain.repository.ObjectRepository;
import dev.cnm.controller.domain.repository.StoreKeys;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.store.client.StoreLease;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's side of every node session, without gRPC: per node an immutable versioned
 * snapshot, the stream it goes to, nonce-checked acks and the Joins waiting for them (the
 * "cache" of Envoy's java-control-plane). Node liveness is a store lease: the node's record
 * under /cnm/v1/nodes/NODE is attached to it and vanishes when the session's keep-alives stop.
 */
public final class NodeSessions implements NodeSync, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeSessions.class);
  private final ObjectRepository repo;
  private final DesiredStateBuilder builder;
  private final Duration leaseTtl;
  private final Map<String, NodeState> nodes = new ConcurrentHashMap<>();
  private final ControllerMetrics metrics;
  /** Cross-replica Joins: what this replica's nodes applied, and waiting on nodes held elsewhere. */
  private final NodeAckRecords ackRecords;
  private final RemoteApplyWait remote;

  public NodeSessions(ObjectRepository repo, DesiredStateBuilder builder, Duration leaseTtl) {
    this(repo, builder, leaseTtl, ControllerMetrics.none());
  }

  public NodeSessions(ObjectRepository repo, DesiredStateBuilder builder, Duration leaseTtl,
      ControllerMetrics metrics) {
    this.repo = repo;
    this.builder = builder;
    this.leaseTtl = leaseTtl;
    this.metrics = metrics;
    this.ackRecords = new NodeAckRecords(repo.store());
    this.remote = new RemoteApplyWait(repo.store());
    metrics.connectedAgents(() -> nodes.values().stream().filter(NodeState::connected).count());
  }

  private NodeState state(String node) {
    return nodes.computeIfAbsent(node, n -> {
      NodeState st = new NodeState(n);
      metrics.versionLag(n, st::lag);
      return st;
    });
  }

  /**
   * A registered agent: records the node under a fresh lease and replaces any older session of
   * the node. Returns the session handle the stream reports acks to; {@link Session#start()}
   * then sends the full state.
   */
  public Session register(Node node, SnapshotSink sink) {
    StoreLease lease = repo.store().grantLease(leaseTtl);
    try {
      Node record = node.toBuilder().setStatus(NodeStatus.NODE_STATUS_READY).setLeaseId(lease.id())
          .setRegisterTime(com.google.protobuf.Timestamp.newBuilder()
              .setSeconds(System.currentTimeMillis() / 1000).build()).build();
      repo.commit().put(StoreKeys.node(node.getName()), record, lease.id()).commit();
    } catch (RuntimeException e) {
      lease.close();
      throw e;
    }
    NodeState st = state(node.getName());
    Session session = new Session(st, sink, lease, UUID.randomUUID().toString());
    Session old;
    synchronized (st) {
      old = st.session;
      st.session = session;
    }
    if (old != null) {
      old.sink.close(new CnmException(ErrorKind.ABORTED, ErrorReason.SESSION_REPLACED,
          "a newer session of node " + node.getName() + " took over"));
      old.lease.close();
    }
    return session;
  }

  @Override
  public long publish(String node) {
    NodeState st = state(node);
    // Callers publish right after their commit, which the caches already show. A build that
    // starts after a caller took its ticket therefore covers that caller's change: under a burst
    // of operations on one node, the callers queued behind such a build reuse its version
    // instead of building the node's whole state again, one after another.
    long ticket = st.tickets.incrementAndGet();
    synchronized (st) {
      if (st.coveredTicket >= ticket && st.coveredSession == st.session) {
        return st.coveredVersion;
      }
      long start = st.tickets.get();
      long version = publishLocked(st, node);
      st.coveredTicket = start;
      st.coveredSession = st.session;
      st.coveredVersion = version;
      return version;
    }
  }

  /** Builds and (unless unchanged) sends the node's state; the caller holds the node's lock. */
  private long publishLocked(NodeState st, String node) {
    // computed under the node's lock so that a later version never reflects an older store read
    DesiredStateBuilder.Built built = builder.buildCovered(node);
    st.newest = built.newest();
    Session s = st.session;
    if (s != null && built.state().equals(s.sentContent) && st.nackedVersion < st.version) {
      // nothing new for the agent (e.g. a watch-driven republish of a change already sent):
      // the last version stands, now known to cover this view's revision too
      s.sentCover = Math.max(s.sentCover, built.covered());
      if (st.ackedVersion >= st.version) {
        ackRecords.acked(node, s.sentCover, s.lease.id());
      }
      return st.version;
    }
    DesiredState snapshot = built.state().toBuilder().setVersion(++st.version)
        .setNonce(Long.toString(st.version) + "-" + UUID.randomUUID())
        .setTraceparent(TraceParent.current()).build();
    st.latest = snapshot;
    if (st.session != null) {
      st.session.sentNonce = snapshot.getNonce();
      st.session.sentContent = built.state();
      st.session.sentCover = built.covered();
      try {
        st.session.sink.send(snapshot);
      } catch (RuntimeException e) {
        LOG.warn("sending snapshot " + snapshot.getVersion() + " to " + node + " failed: " + e.getMessage());
      }
    }
    return snapshot.getVersion();
  }

  @Override
  public void publishUnlessCovered(String node, long revision) {
    NodeState st = state(node);
    synchronized (st) {
      if (st.session != null && st.session.sentCover >= revision) {
        return;
      }
    }
    publish(node);
  }

  @Override
  public Map<String, ObjectStatus> awaitApplied(String node, long version, Duration timeout) {
    NodeState st = state(node);
    CompletableFuture<Map<String, ObjectStatus>> f = null;
    long remoteRevision = -1;
    synchronized (st) {
      if (st.ackedVersion >= version) {
        return st.statuses;
      }
      if (st.nackedVersion >= version) {
        throw st.nackError;
      }
      if (st.session == null) {
        remoteRevision = Math.max(1, st.newest);
      } else {
        f = new CompletableFuture<>();
        st.waiters.put(f, version);
      }
    }
    if (f == null) {
      // no session here: another replica may hold it, and it records what its node applied
      remote.await(node, remoteRevision, version, timeout);
      return Map.of();
    }
    try {
      return f.get(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new CnmException(ErrorKind.DEADLINE_EXCEEDED, ErrorReason.AGENT_TIMEOUT,
          "node \"" + node + "\" did not apply version " + version + " within " + timeout.toMillis() + " ms");
    } catch (ExecutionException e) {
      throw e.getCause() instanceof CnmException c ? c
          : new CnmException(ErrorKind.INTERNAL, ErrorReason.INTERNAL, String.valueOf(e.getCause()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CnmException.unavailable("interrupted while waiting for node " + node, e);
    } finally {
      synchronized (st) {
        st.waiters.remove(f);
      }
    }
  }

  @Override
  public boolean isConnected(String node) {
    NodeState st = nodes.get(node);
    if (st == null) {
      return false;
    }
    synchronized (st) {
      return st.session != null;
    }
  }

  /** The last version each connected node acknowledged. */
  @Override
  public long ackedVersion(String node) {
    NodeState st = nodes.get(node);
    if (st == null) {
      return 0;
    }
    synchronized (st) {
      return st.ackedVersion;
    }
  }

  /** What this controller holds for {@code node}, if any session or snapshot of it happened. */
  public java.util.Optional<NodeSessionView> view(String node) {
    NodeState st = nodes.get(node);
    if (st == null) {
      return java.util.Optional.empty();
    }
    synchronized (st) {
      return java.util.Optional.of(new NodeSessionView(st.latest, st.session != null, st.ackedVersion,
          st.nackedVersion, st.nackError, st.lastReply));
    }
  }

  @Override
  public void close() {
    remote.close();
    ackRecords.close();
    for (NodeState st : nodes.values()) {
      Session s;
      synchronized (st) {
        s = st.session;
        st.session = null;
      }
      if (s != null) {
        s.sink.close(CnmException.unavailable("the controller is shutting down", null));
        s.lease.close();
      }
    }
  }

  /** One agent stream of one node. */
  public final class Session {
    private final NodeState state;
    private final SnapshotSink sink;
    private final StoreLease lease;
    private final String id;
    /** Guarded by state: the nonce of the last snapshot sent on this stream. */
    private String sentNonce;
    /** Guarded by state: that snapshot without version, nonce and trace (to skip resending it). */
    private DesiredState sentContent;
    /** Guarded by state: the store revision that snapshot is known to cover (0: none). */
    private long sentCover;

    private Session(NodeState state, SnapshotSink sink, StoreLease lease, String id) {
      this.state = state;
      this.sink = sink;
      this.lease = lease;
      this.id = id;
    }

    public String id() {
      return id;
    }

    public long leaseId() {
      return lease.id();
    }

    /** Sends the node's full desired state (on every (re)connect). */
    public void start() {
      publish(state.node);
    }

    /** An ack or nack from the agent; ignored unless its nonce is the latest sent here. */
    public void onAck(SnapshotAck ack) {
      synchronized (state) {
        if (state.session != this || !ack.getNonce().equals(sentNonce)) {
          return;
        }
        state.lastReply = ack;
        boolean ok = !ack.hasError() || ack.getError().getCode() == 0;
        metrics.ack(ok);
        if (ok) {
          state.ackedVersion = Math.max(state.ackedVersion, ack.getVersion());
          ackRecords.acked(state.node, sentCover, lease.id());
          Map<String, ObjectStatus> statuses = new java.util.HashMap<>();
          for (ObjectStatus s : ack.getObjectsList()) {
            statuses.put(s.getId(), s);
          }
          state.statuses = Map.copyOf(statuses);
        }
        CnmException rejected = ok ? null : new CnmException(ErrorKind.FAILED_PRECONDITION, ErrorReason.AGENT_REJECTED,
            "node \"" + state.node + "\" could not apply the change: " + ack.getError().getMessage(),
            AgentRejection.metadata(state.node, ack), null);
        if (!ok) {
          state.nackedVersion = Math.max(state.nackedVersion, ack.getVersion());
          state.nackError = rejected;
        }
        var it = state.waiters.entrySet().iterator();
        while (it.hasNext()) {
          var w = it.next();
          if (w.getValue() <= ack.getVersion()) {
            if (ok) {
              w.getKey().complete(state.statuses);
            } else {
              w.getKey().completeExceptionally(rejected);
            }
            it.remove();
          }
        }
      }
    }

    /**
     * The stream ended: the node's record goes when its lease expires, one ttl later, unless the
     * agent re-registers first (its record then moves to the new session's lease). So an agent
     * killed and restarted within the ttl disturbs no traffic on other nodes (they keep its
     * overlay peers), while a node gone for longer loses them everywhere (issue 6). The node's
     * objects and desired state stay either way.
     */
    public void onClosed() {
      synchronized (state) {
        if (state.session == this) {
          state.session = null;
        }
      }
      lease.abandon();
    }
  }

  /** Per-node state; every field guarded by the object's monitor. */
  private static final class NodeState {
    final String node;
    /** Taken by every publish before it waits for the lock (see {@link #publish}). */
    final java.util.concurrent.atomic.AtomicLong tickets = new java.util.concurrent.atomic.AtomicLong();
    /** The last build: the tickets it covers, the session it went to and its version. */
    long coveredTicket;
    Session coveredSession;
    long coveredVersion;
    long version;
    /** The newest store revision among the node's objects in the last state built. */
    long newest;
    long ackedVersion;
    /** The latest version the agent rejected, and why (a later ack supersedes it). */
    long nackedVersion;
    CnmException nackError;
    DesiredState latest;
    Session session;
    Map<String, ObjectStatus> statuses = Map.of();
    /** The agent's latest reply with the right nonce (for diagnostics). */
    SnapshotAck lastReply;
    final Map<CompletableFuture<Map<String, ObjectStatus>>, Long> waiters = new java.util.HashMap<>();

    NodeState(String node) {
      this.node = node;
    }

    synchronized boolean connected() {
      return session != null;
    }

    /** Versions sent (or built while disconnected) but not yet acknowledged. */
    synchronized long lag() {
      return Math.max(0, version - ackedVersion);
    }
  }
}
