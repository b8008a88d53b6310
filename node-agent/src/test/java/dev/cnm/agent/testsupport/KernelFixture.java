package dev.cnm.agent.testsupport;

import dev.cnm.agent.netlink.NetlinkHandle;
import dev.cnm.agent.netlink.sys.LibC;
import dev.cnm.agent.netns.Namespaces;
import dev.cnm.agent.netns.NetNamespace;
import dev.cnm.testing.Root;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Kernel test fixture: a temp state dir with its own namespace directory, a "host" namespace
 * per test (so the machine's own namespace is never touched), and clean-up of everything it
 * handed out, even when the test failed. Namespace names start with {@code cnmt}.
 */
public final class KernelFixture implements AutoCloseable {
  public final Path stateDir;
  public final Namespaces namespaces;
  /** A separate state dir for the code under test, so its namespaces never mix with the fixture's. */
  public final Path agentStateDir;
  /** The namespaces under {@link #agentStateDir}. */
  public final Namespaces agentNamespaces;
  public final String prefix;
  private final List<AutoCloseable> toClose = new ArrayList<>();

  public KernelFixture() {
    requireRoot();
    LibC.load();
    try {
      stateDir = Files.createTempDirectory("cnmt-state");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    namespaces = new Namespaces(stateDir.resolve("fixture"));
    agentStateDir = stateDir.resolve("agent");
    agentNamespaces = new Namespaces(agentStateDir);
    prefix = "cnmt" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
  }

  /** Fails (never skips) when the tests cannot do kernel work here. */
  public static void requireRoot() {
    Root.require("node-agent kernel tests need root (CAP_NET_ADMIN + CAP_SYS_ADMIN): run them as root, or inside "
        + "`unshare -Urnm` where unprivileged user namespaces are enabled (sysctl kernel.unprivileged_userns_clone=1)");
  }

  /** A new namespace named {@code <prefix>-<suffix>}, deleted at close. */
  public NetNamespace namespace(String suffix) {
    NetNamespace ns = namespaces.create(prefix + "-" + suffix);
    toClose.add(() -> namespaces.delete(ns.name()));
    toClose.add(ns);
    return ns;
  }

  /** A netlink handle inside {@code ns}, closed at close. */
  public NetlinkHandle handle(NetNamespace ns) {
    NetlinkHandle h = NetlinkHandle.openIn(ns);
    toClose.add(h);
    return h;
  }

  /** Registers anything else to close (in reverse order of registration). */
  public <T extends AutoCloseable> T closeLater(T c) {
    toClose.add(c);
    return c;
  }

  /** Runs a command (ip, ping) in a namespace of this fixture; returns its exit code and output. */
  public static Exec exec(NetNamespace ns, String... command) {
    List<String> cmd = new ArrayList<>(List.of("nsenter", "--net=" + ns.path()));
    cmd.addAll(List.of(command));
    return Exec.run(cmd);
  }

  /** The result of a command. */
  public record Exec(int code, String output) {
    static Exec run(List<String> cmd) {
      try {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          return new Exec(-1, "timed out: " + cmd);
        }
        return new Exec(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        return new Exec(-1, "cannot run " + cmd + ": " + e + " (install iproute2 / iputils-ping / util-linux)");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new Exec(-1, "interrupted");
      }
    }
  }

  @Override
  public void close() {
    List<Throwable> errors = new ArrayList<>();
    for (int i = toClose.size() - 1; i >= 0; i--) {
      try {
        toClose.get(i).close();
      } catch (Throwable e) {
        errors.add(e);
      }
    }
    toClose.clear();
    // anything a test created in the namespace dir without the fixture's help
    for (Namespaces dir : List.of(agentNamespaces, namespaces)) {
      for (String name : dir.list()) {
        try {
          dir.delete(name);
        } catch (RuntimeException e) {
          errors.add(e);
        }
      }
    }
    // mounts the code under test left under the state dir (an agent's host-netns file), innermost first
    try {
      Files.readAllLines(Path.of("/proc/self/mounts")).stream().map(l -> l.split(" ")[1])
          .filter(m -> m.startsWith(stateDir + "/")).sorted(Comparator.reverseOrder())
          .forEach(m -> LibC.umount2(m, LibC.MNT_DETACH));
    } catch (IOException e) {
      errors.add(e);
    }
    try (Stream<Path> s = Files.walk(stateDir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      errors.add(e);
    }
    if (!errors.isEmpty()) {
      IllegalStateException e = new IllegalStateException("clean-up failed: " + errors.get(0), errors.get(0));
      errors.stream().skip(1).forEach(e::addSuppressed);
      throw e;
    }
  }
}
