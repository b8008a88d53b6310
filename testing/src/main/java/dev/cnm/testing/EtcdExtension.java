package dev.cnm.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5: one real etcd for a test class, started before the first test, stopped after the last.
 *
 * <pre>{@code
 * @RegisterExtension static final EtcdExtension ETCD = new EtcdExtension();
 * ... StoreServices.etcd(List.of(ETCD.endpoint())) ...
 * }</pre>
 */
public final class EtcdExtension implements BeforeAllCallback, AfterAllCallback {
  private EtcdProcess etcd;

  @Override
  public void beforeAll(ExtensionContext context) {
    etcd = EtcdProcess.start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (etcd != null) {
      etcd.close();
      etcd = null;
    }
  }

  /** The running etcd (between beforeAll and afterAll). */
  public EtcdProcess process() {
    if (etcd == null) {
      throw new IllegalStateException("etcd is not running: register the extension with @RegisterExtension on a static field");
    }
    return etcd;
  }

  /** The client URL of the running etcd. */
  public String endpoint() {
    return process().endpoint();
  }
}
