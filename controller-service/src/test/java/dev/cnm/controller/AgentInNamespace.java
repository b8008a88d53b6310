package dev.cnm.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.agent.netlink.NetlinkHandle;
import dev.cnm.agent.netlink.sys.LibC;
import dev.cnm.agent.netns.HostNamespaceFile;
import dev.cnm.agent.netns.Namespaces;
import dev.cnm.agent.netns.NetNamespace;
import dev.cnm.agent.process.NodeAgentProcess;
import dev.cnm.api.v1.ListNodesRequest;
import dev.cnm.api.v1.NodeStatus;
import dev.cnm.testing.Root;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;

/**
 * The real node agent of the controller fixture {@code f}, run inside a network namespace of
 * the test's own ({@code <prefix>-host}) so its bridges, firewall table and sandboxes never touch
 * the machine's. {@link #restart} closes the agent and starts another on the same state dir;
 * {@link #close} closes it and removes the namespaces it and the test made.
 */
final class AgentInNamespace implements AutoCloseable {
  final String prefix;
  final NetNamespace host;
  final Path stateDir;
  private final ControllerFixture f;
  private final Namespaces fixtureNamespaces;
  private final String nftTable;
  private final List<NetNamespace> extra = new ArrayList<>();
  NodeAgentProcess agent;

  AgentInNamespace(ControllerFixture f, Path dir, String prefix, String nftTable) {
    Root.require("this test runs the node agent, which needs root (CAP_NET_ADMIN + CAP_SYS_ADMIN): run it as root");
    LibC.load();
    this.f = f;
    this.prefix = prefix;
    this.nftTable = nftTable;
    this.fixtureNamespaces = new Namespaces(dir.resolve("fixture"));
    this.host = fixtureNamespaces.create(prefix + "-host");
    try (NetlinkHandle nl = NetlinkHandle.openIn(host)) {
      nl.links().setUp("lo");
    }
    this.stateDir = dir.resolve("agent");
    start();
  }

  /** Starts the agent on a thread inside the test's namespace (its threads and sockets stay there); waits for READY. */
  void start() {
    agent = Namespaces.runIn(host, () -> NodeAgentProcess.start(f.channel, prefix + "-node", "127.0.0.1", stateDir,
        nftTable, false, new SimpleMeterRegistry()));
    Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(f.api.listNodes(ListNodesRequest.getDefaultInstance()).getNodesList())
            .anySatisfy(n -> assertThat(n.getStatus()).isEqualTo(NodeStatus.NODE_STATUS_READY)));
  }

  /** Closes the agent (its sandboxes stay). */
  void stopAgent() {
    agent.close();
    agent = null;
  }

  /** Another namespace of the test's own (e.g. a container runtime's), removed at close. */
  NetNamespace namespace(String suffix) {
    NetNamespace ns = fixtureNamespaces.create(prefix + "-" + suffix);
    extra.add(ns);
    return ns;
  }

  @Override
  public void close() {
    try {
      if (agent != null) {
        agent.close();
      }
    } finally {
      Namespaces agentNamespaces = new Namespaces(stateDir);
      agentNamespaces.list().forEach(agentNamespaces::delete);
      // the agent's bind mount of its own namespace outlives it by design (the host-mode key)
      LibC.umount2(stateDir.resolve(HostNamespaceFile.NAME).toString(), LibC.MNT_DETACH);
      for (NetNamespace ns : extra) {
        ns.close();
        fixtureNamespaces.delete(ns.name());
      }
      host.close();
      fixtureNamespaces.delete(host.name());
    }
  }
}
