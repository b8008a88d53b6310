package dev.cnm.cli.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A test-owned "host": a named network namespace (cnmt-host-XXXX) with loopback up, in which cnm
 * processes run (entered with nsenter --net only, so that their mounts, e.g. the sandbox
 * namespaces' bind mounts, outlive a kill -9 as they would on a real host). The machine's own
 * namespace is never touched. {@link #close()} kills what it started, unmounts and deletes.
 */
final class NetnsHost implements AutoCloseable {
  static final Path JAR = Path.of("target/cnm.jar").toAbsolutePath();
  static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
  final String name = "cnmt-host-" + UUID.randomUUID().toString().substring(0, 8);
  final Path dir;
  private final List<Process> started = new ArrayList<>();

  NetnsHost(Path dir) throws Exception {
    this.dir = dir;
    for (String tool : List.of("/usr/sbin/ip", "/usr/bin/nsenter", "/usr/bin/ping")) {
      if (!Files.exists(Path.of(tool))) {
        throw new AssertionError(tool + " is missing: install Debian packages iproute2, util-linux, iputils-ping");
      }
    }
    if (!Files.exists(JAR)) {
      throw new AssertionError(JAR + " is missing: these tests run in the verify phase, after package");
    }
    run("ip", "netns", "add", name);
    run("ip", "-n", name, "link", "set", "lo", "up");
  }

  /** Starts {@code cnm args...} inside the namespace; output goes to {@code dir/<log>}. */
  Process cnm(String log, String... args) throws IOException {
    return cnm(List.of(), log, args);
  }

  /** As {@link #cnm(String, String...)} with extra JVM options (e.g. a heap cap); the log is appended to. */
  Process cnm(List<String> jvmOptions, String log, String... args) throws IOException {
    // SQLite's JDBC driver unpacks its native library into the temp dir and removes it at exit,
    // which a kill -9 skips: unpacked into the test's own dir, it goes with that dir
    List<String> cmd = new ArrayList<>(List.of("nsenter", "--net=/run/netns/" + name, JAVA,
        "--enable-native-access=ALL-UNNAMED", "-Dorg.sqlite.tmpdir=" + dir));
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-jar", JAR.toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(log).toFile())).start();
    started.add(p);
    return p;
  }

  /** Runs a command in the namespace; returns its output; fails on a non-zero exit. */
  String exec(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("nsenter", "--net=/run/netns/" + name));
    cmd.addAll(List.of(args));
    return run(cmd.toArray(String[]::new));
  }

  /** Runs a command inside a sandbox's namespace (its key) of this host. */
  String inSandbox(String key, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("nsenter", "--net=" + key));
    cmd.addAll(List.of(args));
    return run(cmd.toArray(String[]::new));
  }

  static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError(String.join(" ", cmd) + " failed: " + out);
    }
    return out;
  }

  /** kill -9 of a process this host started. */
  static void kill9(Process p) throws InterruptedException {
    p.destroyForcibly();
    p.waitFor(10, TimeUnit.SECONDS);
  }

  String log(String name) throws IOException {
    Path f = dir.resolve(name);
    return Files.exists(f) ? Files.readString(f) : "";
  }

  @Override
  public void close() throws Exception {
    for (Process p : started) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    // the sandbox namespaces are bind mounts under the test's state dirs
    for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
      String[] f = line.split(" ");
      if (f.length > 1 && f[1].startsWith(dir.toString())) {
        new ProcessBuilder("umount", "-l", f[1]).start().waitFor(10, TimeUnit.SECONDS);
      }
    }
    new ProcessBuilder("ip", "netns", "del", name).start().waitFor(10, TimeUnit.SECONDS);
  }
}
