package dev.cnm.controller;

import static dev.cnm.controller.Api.bridge;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.api.v1.CreateSandboxRequest;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.GetSandboxRequest;
import dev.cnm.api.v1.JoinRequest;
import dev.cnm.api.v1.JoinResponse;
import dev.cnm.api.v1.ListNodesRequest;
import dev.cnm.api.v1.ListSandboxesRequest;
import dev.cnm.api.v1.Node;
import dev.cnm.api.v1.Sandbox;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sandbox's hosts_path and resolv_conf_path: derived from the directory its node's agent
 * registered, so on a cluster each sandbox's paths are those of its own node.
 */
class SandboxFilePathsApiTest {
  @TempDir Path dir;
  ControllerFixture f;
  TestAgent a;
  TestAgent b;

  @BeforeEach
  void start() throws Exception {
    f = new ControllerFixture(dir);
    a = new TestAgent(f.channel, "nodeA", "127.0.0.1", "/run/cnmt-a/netns", "/run/cnmt-a/sandboxes").awaitRegistered();
    b = new TestAgent(f.channel, "nodeB", "127.0.0.2", "/var/lib/cnmt-b/netns", "/var/lib/cnmt-b/sandboxes/")
        .awaitRegistered();
    f.api.createNetwork(bridge("network1", "10.51.0.0/24"));
  }

  @AfterEach
  void stop() {
    a.close();
    b.close();
    f.close();
  }

  private Sandbox get(String ref) {
    return f.api.getSandbox(GetSandboxRequest.newBuilder().setSandbox(ref).build());
  }

  @Test
  void createGetListAndJoin_pathsAreUnderTheDirectoryOfTheSandboxesOwnNode() {
    Sandbox onA = f.api.createSandbox(Api.sandbox("c1", "nodeA"));
    Sandbox onB = f.api.createSandbox(Api.sandbox("c2", "nodeB"));

    assertThat(onA.getHostsPath()).isEqualTo("/run/cnmt-a/sandboxes/" + onA.getId() + "/hosts");
    assertThat(onA.getResolvConfPath()).isEqualTo("/run/cnmt-a/sandboxes/" + onA.getId() + "/resolv.conf");
    assertThat(onB.getHostsPath()).isEqualTo("/var/lib/cnmt-b/sandboxes/" + onB.getId() + "/hosts");
    assertThat(onB.getResolvConfPath()).isEqualTo("/var/lib/cnmt-b/sandboxes/" + onB.getId() + "/resolv.conf");
    assertThat(get("c1").getHostsPath()).isEqualTo(onA.getHostsPath());
    assertThat(get("c1").getResolvConfPath()).isEqualTo(onA.getResolvConfPath());
    assertThat(f.api.listSandboxes(ListSandboxesRequest.getDefaultInstance()).getSandboxesList())
        .extracting(Sandbox::getHostsPath).containsExactlyInAnyOrder(onA.getHostsPath(), onB.getHostsPath());

    f.api.createEndpoint(Api.endpoint("network1", Endpoint.newBuilder().setName("e1")));
    JoinResponse joined = f.api.join(JoinRequest.newBuilder().setEndpoint("e1").setSandbox("c2").build());

    assertThat(joined.getSandbox().getHostsPath()).isEqualTo(onB.getHostsPath());
    assertThat(joined.getSandbox().getResolvConfPath()).isEqualTo(onB.getResolvConfPath());
    assertThat(get("c2").getHostsPath()).isEqualTo(onB.getHostsPath());
    assertThat(f.api.listNodes(ListNodesRequest.getDefaultInstance()).getNodesList())
        .extracting(Node::getName, Node::getSandboxFilesDirectory)
        .contains(org.assertj.core.groups.Tuple.tuple("nodeA", "/run/cnmt-a/sandboxes"));
  }

  @Test
  void createSandbox_pathsGivenByTheClient_areReplacedByTheNodes() {
    Sandbox sb = f.api.createSandbox(CreateSandboxRequest.newBuilder().setSandbox(Sandbox.newBuilder()
        .setContainerId("c1").setNode("nodeA").setHostsPath("/etc/passwd").setResolvConfPath("/etc/shadow")).build());

    assertThat(sb.getHostsPath()).isEqualTo("/run/cnmt-a/sandboxes/" + sb.getId() + "/hosts");
    assertThat(get("c1").getResolvConfPath()).isEqualTo("/run/cnmt-a/sandboxes/" + sb.getId() + "/resolv.conf");
  }

  @Test
  void createSandbox_agentNamesNoOrARelativeDirectory_pathsStayEmpty() throws Exception {
    try (TestAgent none = new TestAgent(f.channel, "nodeC", "127.0.0.3", "", "").awaitRegistered();
        TestAgent relative = new TestAgent(f.channel, "nodeD", "127.0.0.4", "", "state/sandboxes").awaitRegistered()) {
      Sandbox onC = f.api.createSandbox(CreateSandboxRequest.newBuilder().setSandbox(Sandbox.newBuilder()
          .setContainerId("c3").setNode("nodeC").setHostsPath("/etc/passwd")).build());
      Sandbox onD = f.api.createSandbox(Api.sandbox("c4", "nodeD"));

      assertThat(onC.getHostsPath()).isEmpty();
      assertThat(onC.getResolvConfPath()).isEmpty();
      assertThat(onD.getHostsPath()).isEmpty();
      assertThat(get("c4").getResolvConfPath()).isEmpty();
    }
  }
}
