package dev.cnm.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cnm.agent.process.NodeAgentProcess;
import dev.cnm.api.v1.CreateNetworkRequest;
import dev.cnm.api.v1.CreateSandboxRequest;
import dev.cnm.api.v1.DeleteSandboxRequest;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.GetSandboxRequest;
import dev.cnm.api.v1.IpamConfig;
import dev.cnm.api.v1.IpamPool;
import dev.cnm.api.v1.JoinRequest;
import dev.cnm.api.v1.JoinResponse;
import dev.cnm.api.v1.Network;
import dev.cnm.api.v1.Sandbox;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The controller and the real node agent: the sandbox's hosts_path and resolv_conf_path name the
 * files the agent wrote, and deleting the sandbox removes them. The agent runs inside a network
 * namespace of the test's own ({@code cnmt<random>-host}), so its bridge, firewall table and
 * sandboxes never touch the machine's.
 */
class SandboxFilesAgentIT {
  @TempDir Path dir;
  private final String prefix = "cnmt" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
  private ControllerFixture f;
  private AgentInNamespace node;
  private Path stateDir;
  private NodeAgentProcess agent;

  @BeforeEach
  void start() throws Exception {
    f = new ControllerFixture(dir.resolve("controller"));
    node = new AgentInNamespace(f, dir, prefix, prefix + "_sbf");
    stateDir = node.stateDir;
    agent = node.agent;
  }

  @AfterEach
  void stop() {
    try {
      if (node != null) {
        node.close();
      }
    } finally {
      if (f != null) {
        f.close();
      }
    }
  }

  @Test
  void createJoinDelete_pathsNameTheAgentsFiles_andDeleteRemovesThem() throws Exception {
    assertThat(agent.registration().getSandboxFilesDirectory())
        .isEqualTo(stateDir.resolve("sandboxes").toAbsolutePath().toString());
    f.api.createNetwork(CreateNetworkRequest.newBuilder().setNetwork(Network.newBuilder().setName("net1")
        .setDriver("bridge").putOptions("com.docker.network.bridge.name", prefix + "b0")
        .setIpam(IpamConfig.newBuilder().addIpv4(IpamPool.newBuilder().setSubnet("10.52.0.0/24")))).build());

    Sandbox created = f.api.createSandbox(CreateSandboxRequest.newBuilder().setSandbox(Sandbox.newBuilder()
        .setContainerId("c1").setHostname("sbfhost").setDomainName("example.test")).build());

    Path hosts = Path.of(created.getHostsPath());
    Path resolv = Path.of(created.getResolvConfPath());
    assertThat(hosts).isAbsolute().startsWith(stateDir.toAbsolutePath()).isRegularFile();
    // the host name is written beside the sandbox's addresses, which come with a Join
    assertThat(Files.readString(hosts)).startsWith("127.0.0.1\tlocalhost\n");
    assertThat(resolv).isRegularFile().hasParent(hosts.getParent());
    Sandbox got = f.api.getSandbox(GetSandboxRequest.newBuilder().setSandbox("c1").build());
    assertThat(got.getHostsPath()).isEqualTo(created.getHostsPath());
    assertThat(got.getResolvConfPath()).isEqualTo(created.getResolvConfPath());

    f.api.createEndpoint(Api.endpoint("net1", Endpoint.newBuilder().setName("e1")));
    JoinResponse joined = f.api.join(JoinRequest.newBuilder().setEndpoint("e1").setSandbox("c1").build());

    assertThat(joined.getSandbox().getHostsPath()).isEqualTo(created.getHostsPath());
    assertThat(Files.readString(Path.of(joined.getSandbox().getHostsPath())))
        .contains("10.52.0.2\tsbfhost.example.test sbfhost\n");

    f.api.deleteSandbox(DeleteSandboxRequest.newBuilder().setSandbox("c1").build());

    assertThat(hosts.getParent()).doesNotExist();
  }

  @Test
  void createSandbox_failsOnTheNode_leavesNoFilesDirectory() throws Exception {
    Path absent = dir.resolve("no-such-netns");
    assertThatThrownBy(() -> f.api.createSandbox(CreateSandboxRequest.newBuilder().setSandbox(Sandbox.newBuilder()
        .setContainerId("c1").setHostname("sbfhost").setExternalKey(absent.toString())).build()))
        .isInstanceOf(StatusRuntimeException.class);
    f.api.createSandbox(CreateSandboxRequest.newBuilder().setSandbox(Sandbox.newBuilder().setContainerId("c2")).build());
    f.api.deleteSandbox(DeleteSandboxRequest.newBuilder().setSandbox("c2").build());

    Path root = Path.of(agent.registration().getSandboxFilesDirectory());
    try (Stream<Path> left = Files.list(root)) {
      assertThat(left).as("no sandbox directory of the failed or the deleted sandbox").isEmpty();
    }
  }
}
