package dev.cnm.agent.overlay;

import dev.cnm.agent.netlink.NetlinkHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * Waits until a link that was just brought up is operational. The kernel finishes "up" later, in
 * its link-watch work: only then does the device get its real queueing discipline (before, what
 * it sends is dropped) and a bridge put the port into forwarding. Without this wait the first
 * packet of a new endpoint — typically its first ARP — can be lost and only retried a second
 * later, which would dominate the time until a new endpoint answers. IFF_LOWER_UP is reported
 * from the operational state that work sets.
 */
final class LinkReadiness {
  private static final long TIMEOUT_NANOS = 1_000_000_000L;
  private static final long POLL_NANOS = 100_000L;

  private LinkReadiness() {}

  /** Returns once {@code name} reports IFF_LOWER_UP, or after 1 s (the caller's state is right either way). */
  static void await(NetlinkHandle nl, String name) {
    long deadline = System.nanoTime() + TIMEOUT_NANOS;
    while (!nl.links().get(name).hasCarrier() && System.nanoTime() < deadline) {
      LockSupport.parkNanos(POLL_NANOS);
    }
  }
}
