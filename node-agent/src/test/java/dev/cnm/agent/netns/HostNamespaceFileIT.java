package dev.cnm.agent.netns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.agent.testsupport.KernelFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The path the agent keeps bound to its own namespace: bound once, kept, re-bound when stale. */
class HostNamespaceFileIT {
  private final KernelFixture fx = new KernelFixture();

  @AfterEach
  void tearDown() {
    fx.close();
  }

  private static String identityOf(Path file) {
    try (NetNamespace ns = Namespaces.openExternal(file)) {
      return HostNamespaceFile.identity(ns.fd());
    }
  }

  private long mountsOn(Path file) throws IOException {
    return Files.readAllLines(Path.of("/proc/self/mounts")).stream()
        .filter(l -> l.split(" ")[1].equals(file.toString())).count();
  }

  @Test
  void bind_fresh_bindsTheNamespace_andASecondBindKeepsTheMount() throws IOException {
    NetNamespace host = fx.namespace("hostns");
    Path state = fx.stateDir.resolve("a");
    Files.createDirectories(state);

    Path file = HostNamespaceFile.bind(state, host);
    Path again = HostNamespaceFile.bind(state, host);

    assertThat(file).isEqualTo(state.resolve("host-netns").toAbsolutePath()).isEqualTo(again);
    assertThat(identityOf(file)).isEqualTo(HostNamespaceFile.identity(host.fd()));
    assertThat(mountsOn(file)).as("an agent restart does not stack mounts").isEqualTo(1);
  }

  @Test
  void bind_fileNamingAnotherNamespace_isReboundToTheGivenOne() throws IOException {
    NetNamespace before = fx.namespace("old");
    NetNamespace now = fx.namespace("new");
    Path state = fx.stateDir.resolve("b");
    Files.createDirectories(state);
    HostNamespaceFile.bind(state, before);

    Path file = HostNamespaceFile.bind(state, now);

    assertThat(identityOf(file)).isEqualTo(HostNamespaceFile.identity(now.fd()))
        .isNotEqualTo(HostNamespaceFile.identity(before.fd()));
    assertThat(mountsOn(file)).isEqualTo(1);
  }

  @Test
  void bind_plainFileLeftByAnEarlierBoot_isBound() throws IOException {
    NetNamespace host = fx.namespace("boot");
    Path state = fx.stateDir.resolve("c");
    Files.createDirectories(state);
    Files.writeString(state.resolve(HostNamespaceFile.NAME), "");

    Path file = HostNamespaceFile.bind(state, host);

    assertThat(identityOf(file)).isEqualTo(HostNamespaceFile.identity(host.fd()));
    assertThat(mountsOn(file)).isEqualTo(1);
  }
}
