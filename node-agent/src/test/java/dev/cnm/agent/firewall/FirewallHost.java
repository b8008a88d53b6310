package dev.cnm.agent.firewall;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The firewall ITs' shared set-up, registered as a static {@code @RegisterExtension} field: a
 * {@link NetnsLab} with a "host" namespace of the test class's own ({@code cnmt-<role>-…}),
 * made before the class's {@code @BeforeAll} builds the rest of its topology on it; per test a
 * fresh meter registry and one {@link NftFirewall} on the given {@code cnmt*} table there.
 * The table is removed after each test and the lab closed after the class, also when a test or
 * the set-up failed (JUnit runs the after callbacks regardless).
 */
final class FirewallHost implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
  private final String hostRole;
  private final String table;
  private NetnsLab lab;
  private String host;
  private SimpleMeterRegistry registry;
  private NftFirewall firewall;

  FirewallHost(String hostRole, String table) {
    this.hostRole = hostRole;
    this.table = table;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    NetnsLab.requireTools();
    lab = new NetnsLab();
    host = lab.namespace(hostRole);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (lab != null) {
      lab.close();
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    registry = new SimpleMeterRegistry();
    firewall = null;
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (firewall != null) {
      firewall.remove();
    }
  }

  NetnsLab lab() {
    return lab;
  }

  /** The name of the host namespace, where the table lives. */
  String host() {
    return host;
  }

  /** This test's firewall on the table in the host namespace, made at the first call. */
  NftFirewall firewall() {
    if (firewall == null) {
      firewall = new NftFirewall(ProcessNftRunner.inNamedNamespace(host), table, registry);
    }
    return firewall;
  }

  /** This test's meter registry, the one {@link #firewall()} reports to. */
  SimpleMeterRegistry registry() {
    return registry;
  }
}
