package dev.cnm.agent.driver.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.agent.apply.AgentMetrics;
import dev.cnm.agent.apply.DataplaneApplier;
import dev.cnm.agent.apply.SandboxFileWriter;
import dev.cnm.agent.driver.DriverRegistry;
import dev.cnm.agent.sandboxfiles.NodeFiles;
import dev.cnm.agent.sandboxfiles.SandboxFiles;
import dev.cnm.api.v1.DesiredState;
import dev.cnm.api.v1.HostEntry;
import dev.cnm.api.v1.NodeSandbox;
import dev.cnm.api.v1.ObjectKind;
import dev.cnm.api.v1.ObjectStatus;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host-mode sandbox on the agent's side: the node's own namespace (the path the agent keeps
 * bound to it) taken as an external namespace, and copies of the node's hosts and resolv.conf.
 * The dataplane is a recording fake; the kernel side is in cli's HostNetworkPackagedIT.
 */
class HostModeSandboxTest {
  @TempDir
  Path dir;
  private FakeBridgeDataplane dp;
  private DataplaneApplier applier;
  private Path hostNamespace;
  private Path state;

  @BeforeEach
  void setUp() throws IOException {
    Path filteredResolv = dir.resolve("upstream-resolv.conf");
    Files.writeString(filteredResolv, "nameserver 192.0.2.53\n");
    Path nodeHosts = dir.resolve("node-hosts");
    Files.writeString(nodeHosts, "127.0.0.1\tlocalhost\n192.0.2.7\tnode1.example node1");
    Path nodeResolv = dir.resolve("node-resolv.conf");
    Files.writeString(nodeResolv, "nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch example\n");
    hostNamespace = dir.resolve("state/host-netns");
    state = dir.resolve("state");
    // the fake dataplane checks the key is a network namespace, as the kernel one does: a link to
    // this process's own stands in for the agent's bind mount of it
    Files.createDirectories(state);
    Files.createSymbolicLink(hostNamespace, Path.of("/proc/self/ns/net"));
    dp = new FakeBridgeDataplane();
    applier = new DataplaneApplier(DriverRegistry.with(new BridgeDriver(dp, hostNamespace)).build(), null, null,
        new SandboxFileWriter(state, new SandboxFiles(filteredResolv, new SimpleMeterRegistry()),
            new NodeFiles(nodeHosts, nodeResolv)), null, AgentMetrics.none());
    applier.sessionStarted();
  }

  private List<ObjectStatus> apply(NodeSandbox.Builder... sandboxes) {
    DesiredState.Builder b = DesiredState.newBuilder().setNode("node1").setVersion(1);
    for (NodeSandbox.Builder s : sandboxes) {
      b.addSandboxes(s);
    }
    return applier.apply(b.build());
  }

  private String file(String sandboxId, String name) throws IOException {
    return Files.readString(state.resolve(SandboxFileWriter.DIR).resolve(sandboxId).resolve(name));
  }

  @Test
  void apply_hostModeSandbox_opensTheNodesNamespaceAsExternal_andReportsItsPathAsKey() {
    List<ObjectStatus> out = apply(NodeSandbox.newBuilder().setId("hostsb").setHostNetwork(true),
        NodeSandbox.newBuilder().setId("own"));

    assertThat(dp.sandboxes()).anySatisfy(s -> {
      assertThat(s.sandboxId()).isEqualTo("hostsb");
      assertThat(s.namespacePath()).isEqualTo(hostNamespace);
      assertThat(s.owned()).as("never deleted with the sandbox").isFalse();
    });
    assertThat(out).filteredOn(s -> s.getKind() == ObjectKind.OBJECT_KIND_SANDBOX && s.getId().equals("hostsb"))
        .singleElement().satisfies(s -> {
          assertThat(s.getKey()).isEqualTo(hostNamespace.toString());
          assertThat(s.hasError()).isFalse();
        });
    assertThat(dp.sandboxes()).filteredOn(s -> s.sandboxId().equals("own")).singleElement()
        .satisfies(s -> assertThat(s.owned()).isTrue());
  }

  @Test
  void apply_hostModeSandbox_filesAreCopiesOfTheNodesFiles_extraHostsAppended() throws IOException {
    apply(NodeSandbox.newBuilder().setId("hostsb").setHostNetwork(true).setHostname("ignored")
        .addExtraHosts(HostEntry.newBuilder().setHostname("db").setAddress("10.0.0.9")));

    assertThat(file("hostsb", "hosts")).isEqualTo("127.0.0.1\tlocalhost\n192.0.2.7\tnode1.example node1\n"
        + "10.0.0.9\tdb\n");
    assertThat(file("hostsb", "resolv.conf")).as("as it is: the node's stub resolver answers in its namespace")
        .isEqualTo("nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch example\n");
  }

  @Test
  void apply_hostModeSandboxWithDnsSettings_resolvConfIsMadeFromThem() throws IOException {
    apply(NodeSandbox.newBuilder().setId("hostsb").setHostNetwork(true).addDnsServers("192.0.2.1")
        .addDnsSearch("corp.example"));

    assertThat(file("hostsb", "resolv.conf")).isEqualTo("search corp.example\nnameserver 192.0.2.1\n");
  }
}
