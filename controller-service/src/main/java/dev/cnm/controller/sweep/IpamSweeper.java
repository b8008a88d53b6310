package dev.cnm.controller.sweep;

import com.google.protobuf.StringValue;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.ErrorReason;
import dev.cnm.api.v1.Freed;
import dev.cnm.api.v1.Network;
import dev.cnm.controller.domain.repository.ObjectRepository;
import dev.cnm.controller.domain.repository.StoreKeys;
import dev.cnm.controller.ipam.AddressAllocator;
import dev.cnm.controller.session.ControllerMetrics;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.store.client.KvObject;
import dev.cnm.store.client.StoreConflictException;
import dev.cnm.store.client.StoreLease;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs IPAM's Sweep with the owners that exist in the store, so that what a crashed or failed
 * create or delete left allocated is freed. Every owner the controller gives IPAM is the id of a
 * network (its pools, gateways, aux addresses and overlay VNI) or of an endpoint (its
 * addresses), so the live owners are the network and endpoint ids in the store.
 *
 * <p>One replica at a time sweeps: the one whose store lease holds
 * {@link StoreKeys#IPAM_SWEEP_LEADER}. Every replica tries to take that key when it starts and
 * then every {@link #campaignPeriod}; the holder sweeps when it takes it and every interval after.
 * A sweep is fenced against creates in flight by {@link SweepGate}.
 */
public final class IpamSweeper implements AutoCloseable {
  /** How often the lease holder sweeps unless told otherwise ({@code --ipam-sweep-interval}). */
  public static final long DEFAULT_INTERVAL_SECONDS = 300;
  /** {@link #DEFAULT_INTERVAL_SECONDS} as a duration. */
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(DEFAULT_INTERVAL_SECONDS);
  /**
   * The sweep lease's ttl: how long a dead holder blocks another replica from taking over, and
   * how long its running key holds creates back. IPAM's Sweep does not stop when its caller
   * goes away, so this must outlast the longest Sweep call ({@link #SETTLE} covers a call that
   * failed while the holder lives).
   */
  static final Duration LEASE_TTL = Duration.ofSeconds(15);
  /** After a Sweep call failed (e.g. its deadline passed), how long creates stay held back. */
  static final Duration SETTLE = Duration.ofSeconds(15);
  private static final Logger LOG = LoggerFactory.getLogger(IpamSweeper.class);

  /** What one sweep did. */
  public record Result(List<Freed> freed, int liveOwners) { }

  private final ObjectRepository repo;
  private final AddressAllocator ipam;
  private final ControllerMetrics metrics;
  private final String replica;
  /** Serialises sweeps and the leadership state below. */
  private final Object lock = new Object();
  // guarded by lock
  private StoreLease lease;
  private long leaderRevision;
  private long lastSweepNanos;
  private boolean sweptSinceElected;
  private ScheduledExecutorService timer;

  public IpamSweeper(ObjectRepository repo, AddressAllocator ipam, ControllerMetrics metrics) {
    this.repo = repo;
    this.ipam = ipam;
    this.metrics = metrics;
    this.replica = replicaName();
  }

  /** Starts campaigning for the lease and sweeping every {@code interval} while holding it. */
  public void start(Duration interval) {
    if (interval.isZero() || interval.isNegative()) {
      throw new IllegalArgumentException("the IPAM sweep interval must be positive: " + interval);
    }
    Duration period = campaignPeriod(interval);
    synchronized (lock) {
      if (timer != null) {
        return;
      }
      timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cnm-ipam-sweep");
        t.setDaemon(true);
        return t;
      });
      timer.scheduleWithFixedDelay(() -> tick(interval), 0, period.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** Checks for the lease this often: the interval, or the lease's ttl if shorter. */
  static Duration campaignPeriod(Duration interval) {
    return interval.compareTo(LEASE_TTL) < 0 ? interval : LEASE_TTL;
  }

  /** One timer tick: take the lease if free; sweep when newly elected or the interval passed. */
  void tick(Duration interval) {
    try {
      synchronized (lock) {
        if (!leading() && !campaign()) {
          return;
        }
        if (sweptSinceElected && System.nanoTime() - lastSweepNanos < interval.toNanos()) {
          return;
        }
        sweepLeading();
      }
    } catch (RuntimeException e) {
      LOG.warn("IPAM sweep failed; retrying at the next tick", e);
    }
  }

  /** Whether this replica holds the sweep lease. */
  public boolean leading() {
    synchronized (lock) {
      return leaderRevision != 0;
    }
  }

  /**
   * Sweeps now. A dry run reports what would be freed, on any replica; a real sweep needs this
   * replica to hold the sweep lease (taking it if it is free), FAILED_PRECONDITION otherwise.
   */
  public Result sweep(boolean dryRun) {
    if (dryRun) {
      Set<String> live = liveOwners();
      return new Result(ipam.sweep(live, true), live.size());
    }
    synchronized (lock) {
      if (!leading() && !campaign()) {
        String holder = repo.store().get(StoreKeys.IPAM_SWEEP_LEADER, StringValue.parser())
            .map(kv -> kv.value().getValue()).orElse("");
        throw new CnmException(ErrorKind.FAILED_PRECONDITION, ErrorReason.IPAM_SWEEP_LEASE_HELD,
            "controller replica " + holder + " holds the IPAM sweep lease; it sweeps periodically, or run the"
                + " sweep against it", Map.of("holder", holder), null);
      }
      return sweepLeading();
    }
  }

  /** Called with the lock held, as the lease holder. */
  private Result sweepLeading() {
    long started;
    try {
      started = repo.commit().requireRevision(StoreKeys.IPAM_SWEEP_LEADER, leaderRevision)
          .put(StoreKeys.IPAM_SWEEP_EPOCH, StringValue.of(replica), 0)
          .put(StoreKeys.IPAM_SWEEP_RUNNING, StringValue.of(replica), lease.id())
          .commit();
    } catch (StoreConflictException e) {
      resign();
      throw new CnmException(ErrorKind.ABORTED, ErrorReason.IPAM_SWEEP_LEASE_LOST,
          "this controller replica lost the IPAM sweep lease; retry", Map.of(), e);
    }
    boolean answered = false;
    try {
      // read after the start: every create that commits later holds an older ticket and fails
      Set<String> live = liveOwners();
      List<Freed> freed = ipam.sweep(live, false);
      answered = true;
      lastSweepNanos = System.nanoTime();
      sweptSinceElected = true;
      count(freed);
      if (!freed.isEmpty()) {
        LOG.info("IPAM sweep freed " + freed.size() + " allocation(s) whose owner is not in the store: "
            + freed.stream().map(IpamSweeper::describe).toList());
      }
      return new Result(freed, live.size());
    } finally {
      if (!answered) {
        settle();
      }
      try {
        repo.commit().requireRevision(StoreKeys.IPAM_SWEEP_LEADER, leaderRevision)
            .deleteKey(StoreKeys.IPAM_SWEEP_RUNNING).commit();
      } catch (CnmException e) {
        // the lease is gone or going, and the running key with it
        LOG.debug("could not clear the IPAM sweep's running key", e);
      }
    }
  }

  /** A Sweep call that failed may still be freeing in IPAM: hold creates back a while longer. */
  private static void settle() {
    try {
      Thread.sleep(SETTLE.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The ids of every network and endpoint in the store: every owner the controller gives IPAM. */
  Set<String> liveOwners() {
    Set<String> live = new HashSet<>();
    for (KvObject<Network> n : repo.fresh().networks()) {
      live.add(n.value().getId());
    }
    for (KvObject<Endpoint> e : repo.fresh().allEndpoints()) {
      live.add(e.value().getId());
    }
    return live;
  }

  private void count(List<Freed> freed) {
    long addresses = freed.stream().filter(f -> f.getWhatCase() == Freed.WhatCase.ADDRESS).count();
    long ids = freed.stream().filter(f -> f.getWhatCase() == Freed.WhatCase.ID).count();
    long pools = freed.stream().filter(f -> f.getWhatCase() == Freed.WhatCase.POOL).count();
    metrics.ipamSwept("address", addresses);
    metrics.ipamSwept("id", ids);
    metrics.ipamSwept("pool", pools);
  }

  /** Called with the lock held: takes the sweep lease if no replica holds it. */
  private boolean campaign() {
    if (lease == null) {
      StoreLease granted = repo.store().grantLease(LEASE_TTL);
      granted.onLost(id -> {
        synchronized (lock) {
          if (lease == granted) {
            lease = null;
            leaderRevision = 0;
          }
        }
      });
      lease = granted;
    }
    try {
      leaderRevision = repo.commit()
          .create(StoreKeys.IPAM_SWEEP_LEADER, StringValue.of(replica), lease.id()).commit();
      sweptSinceElected = false;
      LOG.info("controller replica " + replica + " holds the IPAM sweep lease");
      return true;
    } catch (StoreConflictException e) {
      return false;
    }
  }

  /** Called with the lock held: gives the lease up (it expired or another replica holds the key). */
  private void resign() {
    leaderRevision = 0;
    if (lease != null) {
      lease.abandon();
      lease = null;
    }
  }

  private static String describe(Freed f) {
    String what = switch (f.getWhatCase()) {
      case ADDRESS -> "address " + f.getAddress() + " of pool " + f.getPoolId();
      case ID -> "id " + f.getId() + " of set " + f.getSet();
      default -> "pool " + f.getPoolId();
    };
    return what + " (owner " + f.getOwner() + ")";
  }

  private static String replicaName() {
    return dev.cnm.runtime.HostName.get() + "/" + ProcessHandle.current().pid() + "/" + Long.toHexString(new java.util.Random().nextInt());
  }

  /** Stops sweeping and gives the lease up (revoked: another replica may take over at once). */
  @Override
  public void close() {
    ScheduledExecutorService t;
    synchronized (lock) {
      t = timer;
      timer = null;
    }
    if (t != null) {
      t.shutdownNow();
    }
    synchronized (lock) {
      leaderRevision = 0;
      if (lease != null) {
        lease.close();
        lease = null;
      }
    }
  }
}
