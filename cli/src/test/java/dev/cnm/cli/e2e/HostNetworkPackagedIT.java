package dev.cnm.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cnm.api.v1.CreateSandboxRequest;
import dev.cnm.api.v1.GetSandboxRequest;
import dev.cnm.api.v1.JoinRequest;
import dev.cnm.api.v1.Sandbox;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host-mode sandbox with {@code cnm up} as a real process and the real kernel, in a test-owned
 * network namespace standing for the node's: the sandbox's key is the node's own namespace (it
 * sees a link the test made there), no namespace is made for it, the key survives a kill -9 and
 * restart, Joins mixing host mode with other networks are refused, and deleting the sandbox
 * leaves the node's namespace as it was.
 */
class HostNetworkPackagedIT {
  @TempDir Path dir;
  CnmUpNode node;
  final String suffix = UUID.randomUUID().toString().substring(0, 6);

  /** The agent's state dir under {@code cnm up}'s. */
  Path agentState() {
    return node.state().resolve("agent");
  }

  @BeforeEach
  void start() throws Exception {
    node = new CnmUpNode(dir, "cnmt_hn" + suffix);
  }

  @AfterEach
  void stop() throws Exception {
    node.close();
  }

  /** The namespace a path names, as the kernel identifies it ("net:[inode]"), read from inside it. */
  private static String namespaceOf(String path) throws Exception {
    return NetnsHost.run("nsenter", "--net=" + path, "readlink", "/proc/self/ns/net").strip();
  }

  private List<String> namespaceFiles() throws Exception {
    Path netns = agentState().resolve("netns");
    if (!Files.isDirectory(netns)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(netns)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private long mountsOn(String path) throws Exception {
    return Files.readAllLines(Path.of("/proc/self/mounts")).stream().filter(l -> l.split(" ")[1].equals(path)).count();
  }

  private void assertFailedPrecondition(Runnable call, String naming) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(Status.Code.FAILED_PRECONDITION);
      assertThat(e.getStatus().getDescription()).startsWith("sandbox: ").contains(naming);
    });
  }

  @Test
  void hostModeSandbox_usesTheNodesOwnNamespace_andDeletingItLeavesThatNamespace() throws Exception {
    // a link of the node, made by the test in the node's namespace
    String link = "cnmt" + suffix + "a";
    node.host.exec("ip", "link", "add", link, "type", "veth", "peer", "name", "cnmt" + suffix + "b");
    String nodeNs = "/run/netns/" + node.host.name;
    List<String> namespacesBefore = namespaceFiles();

    node.cli("network", "create", "-d", "host", "host");
    node.cli("endpoint", "create", "host", "hostEp");
    node.cli("sandbox", "create", "--host-network", "c1");
    node.cli("join", "hostEp", "c1");

    Sandbox sb = node.api().getSandbox(GetSandboxRequest.newBuilder().setSandbox("c1").build());
    String key = sb.getKey();
    assertThat(sb.getHostNetwork()).isTrue();
    assertThat(key).isEqualTo(agentState().resolve("host-netns").toAbsolutePath().toString());
    assertThat(namespaceOf(key)).as("the node's own namespace").isEqualTo(namespaceOf(nodeNs));
    assertThat(node.host.inSandbox(key, "ip", "-br", "link", "show")).contains(link);
    assertThat(namespaceFiles()).as("no namespace is made for it").isEqualTo(namespacesBefore);
    Path files = agentState().resolve("sandboxes").resolve(sb.getId());
    assertThat(Files.readString(files.resolve("hosts"))).isEqualTo(Files.readString(Path.of("/etc/hosts")));
    assertThat(Files.readString(files.resolve("resolv.conf"))).isEqualTo(Files.readString(Path.of("/etc/resolv.conf")));

    // Docker's refusals, both ways: another network for it, the host network for a sandbox of its own
    node.cli("network", "create", "-d", "null", "none");
    node.cli("endpoint", "create", "none", "noneEp");
    node.cli("endpoint", "create", "host", "hostEp2");
    assertFailedPrecondition(() -> node.api().join(JoinRequest.newBuilder().setEndpoint("noneEp").setSandbox("c1").build()),
        "\"c1\"");
    node.api().createSandbox(CreateSandboxRequest.newBuilder().setSandbox(Sandbox.newBuilder().setContainerId("c2")).build());
    assertFailedPrecondition(() -> node.api().join(JoinRequest.newBuilder().setEndpoint("hostEp2").setSandbox("c2").build()),
        "\"c2\"");

    // kill -9 and restart: the same key, still the node's namespace, one mount on it
    node.killAndRestart();
    assertThat(node.api().getSandbox(GetSandboxRequest.newBuilder().setSandbox("c1").build()).getKey()).isEqualTo(key);
    assertThat(namespaceOf(key)).isEqualTo(namespaceOf(nodeNs));
    assertThat(mountsOn(key)).isEqualTo(1);

    node.cli("sandbox", "rm", "c1");

    assertThat(node.host.exec("ip", "-br", "link", "show")).as("the node's namespace is intact").contains(link);
    assertThat(NetnsHost.run("ip", "netns", "list")).contains(node.host.name);
    assertThat(namespaceOf(key)).as("the key still names the node's namespace").isEqualTo(namespaceOf(nodeNs));
    assertThat(node.host.inSandbox(key, "ip", "-br", "link", "show")).contains(link);
  }
}
