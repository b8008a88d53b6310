package dev.cnm.agent.dns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.agent.netns.NetNamespace;
import dev.cnm.agent.testsupport.KernelFixture;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The kernel side of the resolver tests: sandbox namespaces from a {@link KernelFixture}, the
 * agent's event loops, the query tools run inside a namespace, and a test upstream (dnsmasq in
 * a namespace of its own, reached from the test's own namespace through a {@code cnmt} veth,
 * as an agent reaches its upstreams). Everything is removed and every process ended by its
 * handle at close.
 */
final class DnsLab implements AutoCloseable {
  static {
    // every buffer tracked: a reference-count slip in the resolver shows up as a LEAK line in the test output
    io.netty.util.ResourceLeakDetector.setLevel(io.netty.util.ResourceLeakDetector.Level.PARANOID);
  }

  final KernelFixture fx = new KernelFixture();
  final NioEventLoopGroup group = new NioEventLoopGroup(2, new DefaultThreadFactory("cnmt-dns", true));
  private final List<Process> processes = new ArrayList<>();
  private final List<AutoCloseable> toClose = new ArrayList<>();

  /** Fails (never skips) naming the Debian package of a missing tool. */
  static void requireTools() {
    requireTool("dig", "bind9-dnsutils");
    requireTool("busybox", "busybox");
    requireTool("dnsmasq", "dnsmasq-base");
    requireTool("nsenter", "util-linux");
    requireTool("unshare", "util-linux");
    requireTool("getent", "libc-bin");
    requireTool("ip", "iproute2");
    requireTool("nft", "nftables");
  }

  private static void requireTool(String tool, String debianPackage) {
    Run r = Run.of(List.of("sh", "-c", "command -v " + tool));
    if (r.code() != 0) {
      throw new AssertionError("'" + tool + "' is missing: install the Debian package " + debianPackage);
    }
  }

  /** A sandbox namespace (loopback still down: the resolver must bring it up). */
  NetNamespace sandbox(String role) {
    return fx.namespace(role);
  }

  /** A resolver in {@code ns}, closed at close. */
  SandboxResolver resolver(NetNamespace ns, ResolverRecords records, Upstreams upstreams) {
    SandboxResolver r = SandboxResolver.start(ns, group, records, upstreams);
    toClose.add(r);
    return r;
  }

  /** {@code dig @127.0.0.11 ARGS} inside {@code ns}; one try, so a lost answer shows as a failure. */
  Run dig(NetNamespace ns, String... args) {
    List<String> cmd = new ArrayList<>(List.of("nsenter", "--net=" + ns.path(), "dig", "@127.0.0.11", "+tries=1",
        "+timeout=3"));
    cmd.addAll(List.of(args));
    return Run.of(cmd);
  }

  /** {@code dig +short}: the answer lines. */
  List<String> digShort(NetNamespace ns, String... args) {
    List<String> cmd = new ArrayList<>(List.of("+short"));
    cmd.addAll(List.of(args));
    Run r = dig(ns, cmd.toArray(String[]::new));
    assertThat(r.code()).as("dig %s: %s", cmd, r.out()).isZero();
    return r.out().lines().filter(l -> !l.isBlank()).toList();
  }

  /** Runs {@code command} in {@code ns}. */
  Run in(NetNamespace ns, String... command) {
    List<String> cmd = new ArrayList<>(List.of("nsenter", "--net=" + ns.path()));
    cmd.addAll(List.of(command));
    return Run.of(cmd);
  }

  /**
   * Runs {@code command} in {@code ns} with {@code resolvConf} as its /etc/resolv.conf (bind-mounted
   * in a private mount namespace, as a container sees its own), for the libc resolver (getent).
   */
  Run withResolvConf(NetNamespace ns, String resolvConf, String command) {
    try {
      Path file = Files.createTempFile(fx.stateDir, "resolv", ".conf");
      Files.writeString(file, resolvConf);
      return in(ns, "unshare", "--mount", "--propagation", "private", "sh", "-c",
          "mount --bind " + file + " /etc/resolv.conf && " + command);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A test upstream: dnsmasq in its own namespace; {@link #address} answers, {@link #blackHole} never does. */
  record Upstream(NetNamespace ns, InetAddress address, InetAddress blackHole) {}

  /**
   * Starts dnsmasq with {@code records} (dnsmasq options such as {@code --address=/x/1.2.3.4}) in a
   * new namespace linked to this process's namespace by a veth on a random 198.18.0.0/15 /29
   * (the benchmarking range RFC 2544 reserves, so no real network is shadowed). A second address
   * of that namespace drops every packet to port 53 (nft), an upstream that never answers.
   */
  Upstream upstream(String... records) throws Exception {
    NetNamespace ns = fx.namespace("up");
    int block = ThreadLocalRandom.current().nextInt(0, 1 << 14) * 8; // /29 blocks of 198.18.0.0/15
    String base = "198." + (18 + (block >> 16)) + "." + ((block >> 8) & 0xff) + ".";
    int last = block & 0xff;
    String host = base + (last + 1);
    String server = base + (last + 2);
    String hole = base + (last + 3);
    String hostSide = fx.prefix + "u";
    check(Run.of(List.of("ip", "link", "add", hostSide, "type", "veth", "peer", "name", "eth0", "netns",
        ns.path().toString())));
    toClose.add(() -> Run.of(List.of("ip", "link", "del", hostSide)));
    check(Run.of(List.of("ip", "addr", "add", host + "/29", "dev", hostSide)));
    check(Run.of(List.of("ip", "link", "set", hostSide, "up")));
    check(in(ns, "ip", "addr", "add", server + "/29", "dev", "eth0"));
    check(in(ns, "ip", "addr", "add", hole + "/29", "dev", "eth0"));
    check(in(ns, "ip", "link", "set", "lo", "up"));
    check(in(ns, "ip", "link", "set", "eth0", "up"));
    check(in(ns, "nft", "add table ip cnmt; add chain ip cnmt in { type filter hook input priority 0; }; "
        + "add rule ip cnmt in ip daddr " + hole + " meta l4proto { udp, tcp } th dport 53 drop"));
    List<String> cmd = new ArrayList<>(List.of("nsenter", "--net=" + ns.path(), "dnsmasq", "--keep-in-foreground",
        "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--bind-interfaces", "--listen-address=" + server,
        "--port=53", "--user=root", "--pid-file=", "--log-facility=-", "--log-queries"));
    cmd.addAll(List.of(records));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(fx.stateDir.resolve("dnsmasq-" + processes.size() + ".log").toFile()).start();
    processes.add(p);
    InetAddress serverAddress = InetAddress.getByName(server);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!answers(serverAddress)) {
      assertThat(p.isAlive()).as("dnsmasq exited: %s", log(processes.size() - 1)).isTrue();
      assertThat(System.nanoTime()).as("dnsmasq did not answer within 10 s").isLessThan(deadline);
      Thread.sleep(20);
    }
    return new Upstream(ns, serverAddress, InetAddress.getByName(hole));
  }

  /** The upstreams for a resolver: these addresses on port 53, with {@code timeout} each. */
  static Upstreams upstreams(Duration timeout, InetAddress... servers) {
    List<InetSocketAddress> out = new ArrayList<>();
    for (InetAddress a : servers) {
      out.add(new InetSocketAddress(a, 53));
    }
    return new Upstreams(out, timeout);
  }

  private static boolean answers(InetAddress server) {
    return Run.of(List.of("dig", "@" + server.getHostAddress(), "+tries=1", "+timeout=1", "probe.invalid"))
        .code() == 0;
  }

  String log(int i) {
    try {
      return Files.readString(fx.stateDir.resolve("dnsmasq-" + i + ".log"));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private static void check(Run r) {
    assertThat(r.code()).as("%s", r.out()).isZero();
  }

  /** The outcome of a command: exit code, stdout and stderr together, and how long it took. */
  record Run(int code, String out, Duration took) {
    static Run of(List<String> cmd) {
      long start = System.nanoTime();
      try {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          return new Run(-1, "timed out: " + cmd, Duration.ofNanos(System.nanoTime() - start));
        }
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), Duration.ofNanos(System.nanoTime() - start));
      } catch (IOException e) {
        return new Run(-1, "cannot run " + cmd + ": " + e, Duration.ofNanos(System.nanoTime() - start));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new Run(-1, "interrupted", Duration.ofNanos(System.nanoTime() - start));
      }
    }
  }

  @Override
  public void close() throws Exception {
    Exception first = null;
    for (Process p : processes) {
      p.destroy(); // this process's own child, by its handle
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
    for (int i = toClose.size() - 1; i >= 0; i--) {
      try {
        toClose.get(i).close();
      } catch (Exception e) {
        first = first == null ? e : first;
      }
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    fx.close();
    if (first != null) {
      throw first;
    }
  }
}
