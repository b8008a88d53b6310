package dev.cnm.bench.overlay;

import dev.cnm.agent.netns.NetNamespace;
import java.net.InetAddress;

/**
 * Pings from inside a sandbox ({@link NamespaceProbe}): ICMP echoes (InetAddress.isReachable uses
 * a raw ICMP socket when run as root) until one is answered.
 */
final class Prober {
  private static final int ATTEMPT_TIMEOUT_MS = 20;
  private static final int MAX_ATTEMPTS = 250;

  private Prober() {}

  /**
   * Joins {@code sandbox} and first pings {@code localGateway} (on the sandbox's own node) until it
   * answers, so the new veth and bridge port are forwarding before the clock starts: what is timed
   * afterwards is the remote path alone.
   */
  static NamespaceProbe start(NetNamespace sandbox, InetAddress localGateway, InetAddress target)
      throws InterruptedException {
    return NamespaceProbe.start(sandbox, "cnm-bench-prober", MAX_ATTEMPTS,
        "no reply from " + target.getHostAddress() + " (attempts of " + ATTEMPT_TIMEOUT_MS + " ms)",
        new NamespaceProbe.Body() {
          @Override
          public void prepare() throws Exception {
            for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
              if (localGateway.isReachable(ATTEMPT_TIMEOUT_MS)) {
                return;
              }
            }
            throw new IllegalStateException("the sandbox's own gateway " + localGateway.getHostAddress()
                + " never answered");
          }

          @Override
          public boolean attempt() throws Exception {
            return target.isReachable(ATTEMPT_TIMEOUT_MS);
          }
        });
  }
}
