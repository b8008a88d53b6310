package dev.cnm.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real single-member etcd (Debian's {@code /usr/bin/etcd}) on free loopback ports with a
 * temporary data dir, tuned to elect itself in ~0.1 s. {@link #close()} stops it by PID and
 * deletes the dir. Fails with a message naming the Debian package when etcd is not installed.
 *
 * <pre>{@code
 * try (EtcdProcess etcd = EtcdProcess.start()) {
 *   Client c = Client.builder().endpoints(etcd.endpoint()).build();
 * }
 * }</pre>
 *
 * <p>{@link #startTls(ServerTls)} serves clients over TLS only and requires client certificates
 * signed by the given CA ({@code --client-cert-auth}); health is then read from a plain-HTTP
 * metrics listener ({@code --listen-metrics-urls}), which carries no data.
 */
public final class EtcdProcess implements AutoCloseable {
  /** Where Debian's etcd-server package installs etcd. */
  public static final Path ETCD = Path.of("/usr/bin/etcd");

  /** etcd's own server certificate and key (PEM; must name 127.0.0.1) and the CA its clients' certificates need. */
  public record ServerTls(Path cert, Path key, Path trustedCa) {}

  private final Path dir;
  private final int clientPort;
  private final int peerPort;
  private final ServerTls tls; // null = plaintext
  private int metricsPort = -1;
  private Process process;
  // kills etcd if the test JVM exits without closing (e.g. a surefire timeout)
  private Thread shutdownHook;

  private EtcdProcess(Path dir, int clientPort, int peerPort, ServerTls tls) {
    this.dir = dir;
    this.clientPort = clientPort;
    this.peerPort = peerPort;
    this.tls = tls;
  }

  /** Starts etcd and waits (up to 15 s) until it reports healthy. */
  public static EtcdProcess start() {
    return launchNew(null);
  }

  /**
   * Starts etcd serving clients over TLS with {@code tls} ({@code https://} {@link #endpoint()})
   * and requiring client certificates signed by {@code tls.trustedCa()}.
   */
  public static EtcdProcess startTls(ServerTls tls) {
    for (Path file : List.of(tls.cert(), tls.key(), tls.trustedCa())) {
      if (!Files.isReadable(file)) {
        throw new IllegalArgumentException("etcd TLS file not readable: " + file);
      }
    }
    return launchNew(tls);
  }

  private static EtcdProcess launchNew(ServerTls tls) {
    if (!Files.isExecutable(ETCD)) {
      throw new IllegalStateException(ETCD + " not found: install Debian package etcd-server");
    }
    try {
      Path dir = Files.createTempDirectory("cnmt-etcd-");
      EtcdProcess etcd = new EtcdProcess(dir, freePort(), freePort(), tls);
      if (tls != null) {
        etcd.metricsPort = freePort();
      }
      try {
        etcd.launch();
      } catch (RuntimeException e) {
        etcd.close();
        throw e;
      }
      return etcd;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void launch() {
    String client = endpoint();
    String peer = "http://127.0.0.1:" + peerPort;
    List<String> command = new ArrayList<>(List.of(ETCD.toString(),
        "--name", "cnmt",
        "--data-dir", dir.resolve("data").toString(),
        "--listen-client-urls", client, "--advertise-client-urls", client,
        "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
        "--initial-cluster", "cnmt=" + peer,
        "--heartbeat-interval=10", "--election-timeout=100",
        // a 1.5 MiB value plus its key and framing must fit in one request
        "--max-request-bytes=8388608",
        "--logger=zap", "--log-level=warn"));
    if (tls != null) {
      command.addAll(List.of("--cert-file", tls.cert().toString(), "--key-file", tls.key().toString(),
          "--trusted-ca-file", tls.trustedCa().toString(), "--client-cert-auth",
          "--listen-metrics-urls", "http://127.0.0.1:" + metricsPort));
    }
    ProcessBuilder pb = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("etcd.log").toFile()));
    try {
      process = pb.start();
      if (shutdownHook == null) {
        shutdownHook = new Thread(() -> {
          if (process.isAlive()) {
            process.destroyForcibly();
          }
        }, "cnmt-etcd-reaper");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + ETCD, e);
    }
    awaitHealthy();
  }

  private void awaitHealthy() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("etcd exited with " + process.exitValue() + ": " + log());
      }
      if (healthy()) {
        return;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for etcd", e);
      }
    }
    throw new IllegalStateException("etcd not healthy within 15 s: " + log());
  }

  private boolean healthy() {
    try {
      String base = tls == null ? endpoint() : "http://127.0.0.1:" + metricsPort;
      HttpURLConnection c = (HttpURLConnection) URI.create(base + "/health").toURL().openConnection();
      c.setConnectTimeout(200);
      c.setReadTimeout(500);
      try (var in = c.getInputStream()) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8).contains("\"health\":\"true\"");
      } finally {
        c.disconnect();
      }
    } catch (IOException e) {
      return false;
    }
  }

  private String log() {
    try {
      String s = Files.readString(dir.resolve("etcd.log"));
      return s.length() > 2000 ? s.substring(s.length() - 2000) : s;
    } catch (IOException e) {
      return "(no log)";
    }
  }

  /** The client URL, e.g. {@code http://127.0.0.1:40123} ({@code https://} with TLS). */
  public String endpoint() {
    return (tls == null ? "http" : "https") + "://127.0.0.1:" + clientPort;
  }

  /** The etcd process id. */
  public long pid() {
    return process.pid();
  }

  /** Kills etcd with SIGKILL (to test a down backend); {@link #restart()} brings it back with its data. */
  public void kill() {
    process.destroyForcibly();
    awaitExit(process, 10);
  }

  /** Waits for the process to exit even if this thread is interrupted (the flag is restored). */
  private static boolean awaitExit(Process p, long seconds) {
    boolean interrupted = Thread.interrupted();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    try {
      while (p.isAlive() && System.nanoTime() < deadline) {
        try {
          p.waitFor(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      return !p.isAlive();
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Starts etcd again on the same ports and data dir. */
  public void restart() {
    if (process.isAlive()) {
      kill();
    }
    launch();
  }

  /** Stops etcd (SIGTERM, then SIGKILL after 5 s) and deletes its data dir. */
  @Override
  public void close() {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!awaitExit(process, 5)) {
        process.destroyForcibly();
        awaitExit(process, 10);
      }
    }
    if (shutdownHook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException e) {
        // the JVM is already shutting down: the hook is running
      }
      shutdownHook = null;
    }
    deleteTree(dir);
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a leftover temp dir is harmless
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
