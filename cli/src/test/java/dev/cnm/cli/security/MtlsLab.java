package dev.cnm.cli.security;

import dev.cnm.cli.certs.CertificateKind;
import dev.cnm.runtime.config.TlsFiles;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension for the mTLS tests: per test a fresh CA ("cnmt-ca") and an {@link MtlsController}
 * serving with its service certificate, both under the test's {@code @TempDir}; every channel dialled
 * through it is shut down and the servers closed after the test. JUnit injects {@code @TempDir}
 * fields (a built-in extension) before extensions registered by the test class run.
 */
final class MtlsLab implements BeforeEachCallback, AfterEachCallback {
  private final Supplier<Path> dir;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private TestPki pki;
  private MtlsController server;

  /** {@code dir}: the test's {@code @TempDir}, read when each test starts. */
  MtlsLab(Supplier<Path> dir) {
    this.dir = dir;
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    Path dir = Objects.requireNonNull(this.dir.get(), "the test's @TempDir is not injected yet");
    pki = new TestPki(dir.resolve("pki"), "cnmt-ca");
    server = new MtlsController(dir.resolve("store"), issue(CertificateKind.SERVICE, "cnm"));
  }

  @Override
  public void afterEach(ExtensionContext context) {
    channels.forEach(ManagedChannel::shutdownNow);
    channels.clear();
    if (server != null) {
      server.close();
    }
  }

  TestPki pki() {
    return pki;
  }

  MtlsController server() {
    return server;
  }

  /** Client TLS files with a certificate of {@code kind} for {@code name}, trusting the lab's CA. */
  TlsFiles issue(CertificateKind kind, String name) throws Exception {
    return pki.issue(kind, name, pki.caFile());
  }

  /** A channel to {@code target} presenting (or not) {@code tls}, shut down after the test. */
  ManagedChannel dial(String target, TlsFiles tls) {
    ManagedChannel c = MtlsController.dial(target, tls);
    channels.add(c);
    return c;
  }
}
