package dev.cnm.agent.session;

import dev.cnm.agent.dataplane.BridgeDataplane;
import dev.cnm.agent.dataplane.DataplaneConfig;
import dev.cnm.agent.firewall.NftFirewall;
import dev.cnm.agent.firewall.ProcessNftRunner;
import dev.cnm.agent.proxy.UserlandProxy;
import dev.cnm.agent.proxy.UserlandProxyConfig;
import dev.cnm.agent.sandboxfiles.SandboxFiles;
import dev.cnm.api.v1.RegisterNode;
import io.grpc.Channel;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A node agent wired together: the kernel dataplane under {@code stateDir}, the firewall table,
 * the userland proxy, sandbox files, and the session to the controller over {@code controller}.
 * The agent keeps no durable state: everything under the state dir is rebuilt from the
 * controller's full snapshot on every (re)connect.
 */
public final class NodeAgentProcess implements AutoCloseable {
  /** The drivers whose data halves this agent has. */
  public static final List<String> CAPABILITIES = List.of("bridge", "null", "host");
  private final BridgeDataplane dataplane;
  private final UserlandProxy proxy;
  private final AgentSession session;

  private NodeAgentProcess(BridgeDataplane dataplane, UserlandProxy proxy, AgentSession session) {
    this.dataplane = dataplane;
    this.proxy = proxy;
    this.session = session;
  }

  /**
   * Starts the agent.
   *
   * @param nftTable the nftables table the agent owns ("cnm" in production, test-owned names in tests)
   */
  public static NodeAgentProcess start(Channel controller, String node, String advertiseAddress, Path stateDir,
      String nftTable, boolean userlandProxy, MeterRegistry registry) {
    try {
      Files.createDirectories(stateDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    BridgeDataplane dataplane = BridgeDataplane.open(DataplaneConfig.of(stateDir));
    UserlandProxy proxy = new UserlandProxy(UserlandProxyConfig.enabled(userlandProxy), registry);
    try {
      NftFirewall firewall = new NftFirewall(new ProcessNftRunner(), nftTable, registry);
      SandboxFileWriter files = new SandboxFileWriter(stateDir,
          new SandboxFiles(SandboxFiles.detectHostResolvConf(), registry));
      DataplaneApplier applier = new DataplaneApplier(dataplane, firewall, proxy, files, new AgentMetrics(registry));
      RegisterNode registration = RegisterNode.newBuilder().setNode(node).setAdvertiseAddress(advertiseAddress)
          .addAllCapabilities(CAPABILITIES).setAgentVersion("0.1.0").build();
      AgentSession session = new AgentSession(controller, registration, applier).start();
      return new NodeAgentProcess(dataplane, proxy, session);
    } catch (RuntimeException e) {
      proxy.close();
      dataplane.close();
      throw e;
    }
  }

  public AgentSession session() {
    return session;
  }

  /** Stops the session; the kernel state stays (a restarted agent adopts it). */
  @Override
  public void close() {
    session.close();
    proxy.close();
    dataplane.close();
  }
}
