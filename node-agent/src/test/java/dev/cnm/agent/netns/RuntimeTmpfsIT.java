package dev.cnm.agent.netns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.agent.netlink.sys.LibC;
import dev.cnm.agent.testsupport.KernelFixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent's runtime directories on a tmpfs of their own, on the real kernel. Each test works
 * under a ramfs it mounts itself, so what it sees does not depend on whether the machine's temp
 * directory is a tmpfs (Debian 13, Fedora and Arch mount /tmp as one; Debian 12 does not).
 */
class RuntimeTmpfsIT {
  private Path dir;

  @BeforeEach
  void setUp() throws IOException, InterruptedException {
    KernelFixture.requireRoot();
    LibC.load();
    dir = Files.createTempDirectory("cnmt-tmpfs");
    Process mount = new ProcessBuilder("mount", "-t", "ramfs", "-o", "mode=0755", "cnmt-ramfs", dir.toString())
        .redirectErrorStream(true).start();
    String out = new String(mount.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(mount.waitFor()).as("mount -t ramfs: %s (install the Debian package mount)", out).isZero();
  }

  @AfterEach
  void tearDown() throws IOException {
    // newest mount first: the tmpfs mounts under dir, then the test's ramfs on dir itself
    List<String> lines = new ArrayList<>(Files.readAllLines(Path.of("/proc/self/mounts")));
    Collections.reverse(lines);
    for (String line : lines) {
      String[] f = line.split(" ");
      if (f.length > 1 && (f[1].startsWith(dir + "/") || f[1].equals(dir.toString()))) {
        LibC.umount2(f[1], LibC.MNT_DETACH);
      }
    }
    try (Stream<Path> all = Files.walk(dir)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Test
  void mountOn_emptyDir_mountsOnce_andNamespacesWorkThere() throws IOException {
    Path netns = dir.resolve("agent/netns");

    assertThat(RuntimeTmpfs.mountOn(netns)).isEqualTo(RuntimeTmpfs.Outcome.MOUNTED);
    assertThat(Files.getFileStore(netns).type()).isEqualTo("tmpfs");
    assertThat(Files.getFileStore(dir).type()).isEqualTo("ramfs");
    // a second start (an agent restart) finds it mounted and mounts nothing on top
    assertThat(RuntimeTmpfs.mountOn(netns)).isEqualTo(RuntimeTmpfs.Outcome.ALREADY_TMPFS);
    assertThat(mountsUnder(dir)).isEqualTo(1);

    Namespaces namespaces = new Namespaces(dir.resolve("agent"));
    NetNamespace ns = namespaces.create("cnmt-tmpfs-a");
    try {
      assertThat(KernelFixture.exec(ns, "ip", "-o", "link").output()).contains("lo:");
      assertThat(namespaces.list()).containsExactly("cnmt-tmpfs-a");
    } finally {
      ns.close();
      namespaces.delete("cnmt-tmpfs-a");
    }
  }

  @Test
  void mountOn_dirHoldingAnEarlierRunsFiles_leavesThemVisible() throws IOException {
    Path sandboxes = dir.resolve("sandboxes");
    Files.createDirectories(sandboxes.resolve("sb1"));
    Files.writeString(sandboxes.resolve("sb1/hosts"), "127.0.0.1 localhost\n");

    assertThat(RuntimeTmpfs.mountOn(sandboxes)).isEqualTo(RuntimeTmpfs.Outcome.KEPT_NON_EMPTY);
    assertThat(mountsUnder(dir)).isZero();
    assertThat(Files.readString(sandboxes.resolve("sb1/hosts"))).isEqualTo("127.0.0.1 localhost\n");
  }

  @Test
  void mountOn_dirAlreadyOnATmpfs_mountsNothing() throws IOException {
    Path tmpfs = dir.resolve("run");
    Files.createDirectories(tmpfs);
    LibC.mountTmpfs(tmpfs.toString(), "mode=0755");
    long before = mountsUnder(dir);

    assertThat(RuntimeTmpfs.mountOn(tmpfs.resolve("agent/netns"))).isEqualTo(RuntimeTmpfs.Outcome.ALREADY_TMPFS);
    assertThat(mountsUnder(dir)).isEqualTo(before);
  }

  /** Mounts strictly below {@code dir} (the test's own ramfs on dir is not counted). */
  private static long mountsUnder(Path dir) throws IOException {
    return Files.readAllLines(Path.of("/proc/self/mounts")).stream()
        .filter(l -> l.split(" ")[1].startsWith(dir + "/")).count();
  }
}
