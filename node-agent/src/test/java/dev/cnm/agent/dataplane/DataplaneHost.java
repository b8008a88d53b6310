package dev.cnm.agent.dataplane;

import dev.cnm.agent.netlink.NetlinkHandle;
import dev.cnm.agent.netns.NetNamespace;
import dev.cnm.agent.testsupport.KernelFixture;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The dataplane ITs' shared set-up, registered as an instance {@code @RegisterExtension} field:
 * per test a {@link KernelFixture} with a "host" namespace of the test's own and a netlink handle
 * in it, made before the test's {@code @BeforeEach}. Everything handed out, dataplanes included,
 * is closed after the test, also when it or the set-up failed (JUnit runs after-each callbacks
 * regardless).
 */
final class DataplaneHost implements BeforeEachCallback, AfterEachCallback {
  private KernelFixture fx;
  private NetNamespace host;
  private NetlinkHandle hostNl;

  @Override
  public void beforeEach(ExtensionContext context) {
    fx = new KernelFixture();
    host = fx.namespace("host");
    hostNl = fx.handle(host);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (fx != null) {
      fx.close();
    }
  }

  KernelFixture fx() {
    return fx;
  }

  /** The namespace standing in for the host: the dataplane's bridges and veth host ends live here. */
  NetNamespace host() {
    return host;
  }

  /** A netlink handle in {@link #host()}. */
  NetlinkHandle hostNl() {
    return hostNl;
  }

  /** A dataplane on {@link #host()} with its state under the fixture's agent state dir, closed after the test. */
  KernelBridgeDataplane open() {
    return fx.closeLater(KernelBridgeDataplane.open(new DataplaneConfig(fx.agentStateDir, host, true)));
  }

  /** The sandbox's namespace, as the dataplane made it, closed after the test. */
  NetNamespace sandboxNs(String sandboxId) {
    return fx.closeLater(fx.agentNamespaces.open(sandboxId));
  }
}
