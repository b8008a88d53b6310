package dev.cnm.agent.firewall;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A test's own little network of namespaces, built with {@code ip} and torn down afterwards:
 * every namespace is named {@code cnmt-<role>-<suffix>} so nothing of the machine is touched,
 * and every background process it started is ended by its own handle.
 */
public final class NetnsLab implements AutoCloseable {
  private final String suffix = Long.toHexString(ProcessHandle.current().pid() & 0xffff)
      + Integer.toHexString((int) (System.nanoTime() & 0xff));
  private final List<String> namespaces = new ArrayList<>();
  private final List<Process> processes = new ArrayList<>();
  private final List<Path> tempDirs = new ArrayList<>();

  /** The outcome of one command. */
  public record Result(int exit, String out, String err) {
    public boolean ok() {
      return exit == 0;
    }
  }

  /** Checks the tools these tests need, failing with the Debian package to install. */
  public static void requireTools() {
    requireTool("ip", "iproute2");
    requireTool("nft", "nftables");
    requireTool("busybox", "busybox");
    requireTool("curl", "curl");
    Result whoami = run(List.of("id", "-u"));
    if (!whoami.out().strip().equals("0")) {
      throw new AssertionError("kernel tests need root (CAP_NET_ADMIN and CAP_SYS_ADMIN for ip netns); run as root");
    }
  }

  private static void requireTool(String tool, String debianPackage) {
    Result r = run(List.of("sh", "-c", "command -v " + tool));
    if (!r.ok()) {
      throw new AssertionError("'" + tool + "' is missing: install the Debian package " + debianPackage);
    }
  }

  /** Creates namespace {@code cnmt-<role>-<suffix>} with loopback up and returns its name. */
  public String namespace(String role) {
    String name = "cnmt-" + role + "-" + suffix;
    check(List.of("ip", "netns", "add", name));
    namespaces.add(name);
    check(List.of("ip", "-n", name, "link", "set", "lo", "up"));
    return name;
  }

  /** Creates a bridge in {@code ns} with the given address (CIDR), up. */
  public void bridge(String ns, String name, String cidr) {
    check(List.of("ip", "-n", ns, "link", "add", name, "type", "bridge"));
    check(List.of("ip", "-n", ns, "addr", "add", cidr, "dev", name));
    check(List.of("ip", "-n", ns, "link", "set", name, "up"));
  }

  /**
   * Links namespace {@code inner} to bridge {@code bridge} of {@code host}: a veth born in
   * {@code host} as {@code hostSide}, its peer born in {@code inner} as eth0 with {@code cidr}
   * and a default route via {@code gateway} (null for none).
   */
  public void attach(String host, String bridge, String hostSide, String inner, String cidr, String gateway) {
    check(List.of("ip", "-n", host, "link", "add", hostSide, "type", "veth", "peer", "name", "eth0", "netns", inner));
    if (bridge != null) {
      check(List.of("ip", "-n", host, "link", "set", hostSide, "master", bridge));
    }
    check(List.of("ip", "-n", host, "link", "set", hostSide, "up"));
    check(List.of("ip", "-n", inner, "addr", "add", cidr, "dev", "eth0"));
    check(List.of("ip", "-n", inner, "link", "set", "eth0", "up"));
    if (gateway != null) {
      check(List.of("ip", "-n", inner, "route", "add", "default", "via", gateway));
    }
  }

  /** Runs a command inside {@code ns}. */
  public Result exec(String ns, String... command) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
    full.addAll(List.of(command));
    return run(full);
  }

  /** Starts a long-running command inside {@code ns}; it is ended on {@link #close()}. */
  public Process start(String ns, String... command) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
    full.addAll(List.of(command));
    try {
      Process p = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
      processes.add(p);
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Serves {@code body} as /index.html over HTTP on {@code port} inside {@code ns} (busybox httpd). */
  public void httpServer(String ns, int port, String body) {
    try {
      Path dir = Files.createTempDirectory("cnmt-www");
      tempDirs.add(dir);
      Files.writeString(dir.resolve("index.html"), body);
      start(ns, "busybox", "httpd", "-f", "-p", Integer.toString(port), "-h", dir.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // Wait until it listens, so a test never races the server's start.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < deadline) {
      if (httpGet(ns, "127.0.0.1", port).ok()) {
        return;
      }
      sleep(20);
    }
    throw new AssertionError("busybox httpd did not start in " + ns);
  }

  /** GET http://addr:port/index.html from inside {@code ns}, with a short timeout. */
  public Result httpGet(String ns, String address, int port) {
    // curl, not busybox wget: Debian's busybox 1.35 wget crashes when given a timeout.
    return exec(ns, "curl", "-sS", "-m", "2", "http://" + address + ":" + port + "/index.html");
  }

  /** One ping from {@code ns} to {@code address}, waiting at most a second. */
  public boolean ping(String ns, String address) {
    return exec(ns, "busybox", "ping", "-c", "1", "-W", "1", address).ok();
  }

  @Override
  public void close() {
    for (Process p : processes) {
      p.destroy();
      try {
        if (!p.waitFor(2, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (String ns : namespaces) {
      run(List.of("ip", "netns", "del", ns));
    }
    for (Path dir : tempDirs) {
      run(List.of("rm", "-rf", dir.toString()));
    }
  }

  /** Runs a command, failing the test if it fails. */
  public static Result check(List<String> command) {
    Result r = run(command);
    if (!r.ok()) {
      throw new AssertionError(String.join(" ", command) + " failed (" + r.exit() + "): " + r.err() + r.out());
    }
    return r;
  }

  public static Result run(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).start();
      p.getOutputStream().close();
      CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
      String out = read(p.getInputStream());
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(String.join(" ", command) + " timed out");
      }
      return new Result(p.exitValue(), out, err.join());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static String read(java.io.InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
