package dev.cnm.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.api.v1.CreateNetworkRequest;
import dev.cnm.api.v1.IpamConfig;
import dev.cnm.api.v1.IpamPool;
import dev.cnm.api.v1.ListEndpointsRequest;
import dev.cnm.api.v1.ListSandboxesRequest;
import dev.cnm.api.v1.Network;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real CNI runtime on cnm: podman 4.3 with its CNI network backend, its storage, state, network
 * configuration directory and plugin directory all under the test's directory (containers.conf
 * through CONTAINERS_CONF), running busybox containers from an image imported from a root file
 * system (no registry) on a conflist whose only plugin is cnm's. The containers ping each other,
 * one publishes a port that a client outside reaches, and removing them leaves nothing in cnm or
 * on the host.
 */
class CniPodmanPackagedIT {
  private static final String RUN = UUID.randomUUID().toString().substring(0, 6);
  private static final String IMAGE = "localhost/cnmt-bb:1";
  @TempDir Path dir;
  CnmUpNode node;
  String conflist;
  String client;
  final List<String> started = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    for (String[] tool : new String[][] {{"/usr/bin/podman", "podman"}, {"/usr/sbin/runc", "runc"},
        {"/usr/bin/busybox", "busybox"}, {"/usr/bin/curl", "curl"}}) {
      if (!Files.isExecutable(Path.of(tool[0]))) {
        throw new AssertionError(tool[0] + " is missing: install the Debian package " + tool[1]);
      }
    }
    node = new CnmUpNode(dir, "cnmt_pm" + RUN);
    node.api().createNetwork(CreateNetworkRequest.newBuilder().setNetwork(Network.newBuilder().setName("pmnet")
        .putOptions("bridge_name", "cnmt-p" + RUN).setIpam(IpamConfig.newBuilder()
            .addIpv4(IpamPool.newBuilder().setSubnet("10.233.9.0/24")))).build());
    Path bin = Files.createDirectories(dir.resolve("cni-bin"));
    try (InputStream script = getClass().getResourceAsStream("/dev/cnm/agent/cni/cnm")) {
      Files.copy(script, bin.resolve("cnm"), StandardCopyOption.REPLACE_EXISTING);
    }
    assertThat(bin.resolve("cnm").toFile().setExecutable(true)).isTrue();
    Path netd = Files.createDirectories(dir.resolve("net.d"));
    conflist = "cnmtpm" + RUN;
    Files.writeString(netd.resolve(conflist + ".conflist"), "{\"cniVersion\":\"1.0.0\",\"name\":\"" + conflist
        + "\",\"plugins\":[{\"type\":\"cnm\",\"network\":\"pmnet\",\"socket\":\"" + node.socket().resolveSibling("cni.sock")
        + "\",\"capabilities\":{\"portMappings\":true}}]}\n");
    // crun refuses this host's cgroups and the default ulimits pass the VM's hard limits (stack.md)
    Files.writeString(dir.resolve("containers.conf"), "[containers]\n"
        + "default_ulimits = [\"nofile=1024:1024\", \"nproc=1024:1024\"]\n"
        + "[network]\nnetwork_backend = \"cni\"\ncni_plugin_dirs = [\"" + bin + "\"]\n"
        + "network_config_dir = \"" + netd + "\"\n[engine]\nruntime = \"runc\"\n");
    podman("import", busyboxRoot().toString(), IMAGE);
  }

  @AfterEach
  void stop() throws Exception {
    for (String c : started) {
      new ProcessBuilder(podmanCommand("rm", "-f", "-t", "0", c)).redirectErrorStream(true).start()
          .waitFor(60, TimeUnit.SECONDS);
    }
    if (client != null) {
      new ProcessBuilder("ip", "netns", "del", client).start().waitFor(10, TimeUnit.SECONDS);
    }
    node.close();
  }

  @Test
  void podmanRun_twoContainersOnCnm_pingEachOther_publishAPort_andRemovedLeaveNothing() throws Exception {
    String a = container("run", "-d", "--name", "cnmt-pa" + RUN, "--network", conflist, IMAGE, "sleep", "600");
    String b = container("run", "-d", "--name", "cnmt-pb" + RUN, "--network", conflist, "-p", "18432:80", IMAGE,
        "sh", "-c", "echo cnm-published > /tmp/index.html && exec httpd -f -p 80 -h /tmp");
    String addressB = podman("inspect", b, "--format",
        "{{(index .NetworkSettings.Networks \"" + conflist + "\").IPAddress}}").strip();
    assertThat(addressB).startsWith("10.233.9.");
    assertThat(podman("exec", a, "ip", "-4", "addr", "show", "eth0")).contains("10.233.9.");
    assertThat(podman("exec", a, "ip", "route")).contains("default via 10.233.9.1 dev eth0");
    // busybox prints "1 packets received"; in the fresh-machine CI run the reply line had iputils' form,
    // which prints "1 received": either says the echo came back
    assertThat(podman("exec", a, "ping", "-c", "1", "-W", "2", addressB)).containsPattern("\\b1 (packets )?received");
    assertThat(node.api().listSandboxes(ListSandboxesRequest.getDefaultInstance()).getSandboxesList())
        .extracting(s -> s.getContainerId()).containsExactlyInAnyOrder(a, b);

    // a client outside the host namespace reaches the published port through the host's address
    client = "cnmt-pmc-" + RUN;
    NetnsHost.run("ip", "netns", "add", client);
    NetnsHost.run("ip", "-n", client, "link", "add", "cnmt-pc" + RUN, "type", "veth", "peer", "name", "cnmt-ph" + RUN,
        "netns", node.host.name);
    NetnsHost.run("ip", "-n", client, "addr", "add", "10.234.1.2/24", "dev", "cnmt-pc" + RUN);
    NetnsHost.run("ip", "-n", client, "link", "set", "cnmt-pc" + RUN, "up");
    node.host.exec("ip", "addr", "add", "10.234.1.1/24", "dev", "cnmt-ph" + RUN);
    node.host.exec("ip", "link", "set", "cnmt-ph" + RUN, "up");
    Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(300)).ignoreExceptions()
        .untilAsserted(() -> assertThat(NetnsHost.run("ip", "netns", "exec", client, "curl", "-sS", "--max-time", "3",
            "http://10.234.1.1:18432/index.html")).contains("cnm-published"));

    podman("rm", "-f", "-t", "0", a, b);
    started.clear();
    assertThat(node.api().listSandboxes(ListSandboxesRequest.getDefaultInstance()).getSandboxesList()).isEmpty();
    assertThat(node.api().listEndpoints(ListEndpointsRequest.getDefaultInstance()).getEndpointsList()).isEmpty();
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(node.host.exec("ip", "-o", "link", "show", "type", "veth").lines()).as("only the client's veth")
            .singleElement().satisfies(l -> assertThat(l).contains("cnmt-ph" + RUN)));
  }

  private String container(String... args) throws Exception {
    String id = podman(args).strip();
    started.add(id);
    return id;
  }

  private List<String> podmanCommand(String... args) {
    List<String> cmd = new ArrayList<>(List.of("env", "CONTAINERS_CONF=" + dir.resolve("containers.conf"),
        "podman", "--root", dir.resolve("root").toString(), "--runroot", dir.resolve("runroot").toString(),
        "--tmpdir", dir.resolve("tmp").toString(), "--storage-driver", "vfs", "--cgroup-manager", "cgroupfs",
        "--events-backend", "none", "--network-config-dir", dir.resolve("net.d").toString()));
    cmd.addAll(List.of(args));
    return cmd;
  }

  private String podman(String... args) throws Exception {
    return NetnsHost.run(podmanCommand(args).toArray(String[]::new));
  }

  /** A tar of a root with Debian's busybox, its shared libraries and its applet links. */
  private Path busyboxRoot() throws Exception {
    Path root = Files.createDirectories(dir.resolve("rootfs"));
    for (String d : List.of("bin", "tmp", "proc", "sys", "dev", "etc")) {
      Files.createDirectories(root.resolve(d));
    }
    Files.copy(Path.of("/usr/bin/busybox"), root.resolve("bin/busybox"));
    for (String line : NetnsHost.run("ldd", "/usr/bin/busybox").lines().toList()) {
      for (String word : line.trim().split("\\s+")) {
        if (word.startsWith("/")) {
          Path lib = Path.of(word);
          Files.createDirectories(root.resolve(lib.getParent().toString().substring(1)));
          Files.copy(lib, root.resolve(word.substring(1)), StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
    for (String applet : NetnsHost.run("/usr/bin/busybox", "--list").lines().toList()) {
      if (!applet.equals("busybox")) {
        Files.createSymbolicLink(root.resolve("bin").resolve(applet), Path.of("busybox"));
      }
    }
    Path tar = dir.resolve("bb.tar");
    NetnsHost.run("tar", "-C", root.toString(), "-cf", tar.toString(), ".");
    return tar;
  }
}
