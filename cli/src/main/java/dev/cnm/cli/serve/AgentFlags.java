package dev.cnm.cli.serve;

import dev.cnm.agent.cni.CniPlugin;
import dev.cnm.agent.cni.CniRoutes;
import dev.cnm.agent.firewall.ProcessNftRunner;
import dev.cnm.agent.localapi.LocalApiServer;
import dev.cnm.agent.process.NodeAgentProcess;
import dev.cnm.runtime.HostName;
import dev.cnm.runtime.Telemetry;
import dev.cnm.runtime.errors.CnmException;
import io.grpc.ManagedChannel;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** The node agent's flags, shared by `cnm serve agent` and `cnm up` (which runs an agent in-process). */
public final class AgentFlags {
  @Option(names = "--node", paramLabel = "NAME", defaultValue = "${env:CNM_NODE}",
      description = "This node's name (env CNM_NODE; default: the host name).")
  String node;

  @Option(names = "--nft-table", paramLabel = "NAME", defaultValue = "${env:CNM_NFT_TABLE:-cnm}",
      description = "The nftables table the agent owns (env CNM_NFT_TABLE; default ${DEFAULT-VALUE}).")
  String nftTable;

  @Option(names = "--userland-proxy", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Relay published ports for loopback clients (default on).")
  boolean userlandProxy;

  @Option(names = "--gwbridge-subnet", paramLabel = "CIDR", defaultValue = "${env:CNM_GWBRIDGE_SUBNET}",
      description = "IPv4 subnet of the gateway bridge cnm_gwbridge that gives overlay sandboxes egress (env "
          + "CNM_GWBRIDGE_SUBNET; default: the first of 172.18.0.0/16 ... 172.31.0.0/16 no address of this host is in).")
  String gwbridgeSubnet;

  @Option(names = "--tmpfs-runtime", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Keep the sandboxes' namespace files and generated hosts/resolv.conf on tmpfs mounts at netns/ "
          + "and sandboxes/ in the agent's state dir, as Docker keeps its namespaces under /run: they never outlive "
          + "a boot, and a file made there costs microseconds instead of a disk inode (default on; "
          + "--no-tmpfs-runtime keeps them on the state dir's own file system).")
  boolean tmpfsRuntime;

  @Option(names = "--cni-socket", paramLabel = "PATH", defaultValue = "${env:CNM_CNI_SOCKET}",
      description = "Unix socket, mode 0600, on which the agent serves cnm's CNI plugin (the `cnm` executable "
          + "reaches it through its network configuration's \"socket\", default /run/cnm/cni.sock) (env "
          + "CNM_CNI_SOCKET; default: for cnm up, cni.sock beside --socket; for cnm serve agent, none).")
  String cniSocket;

  /** The node name given, or the host name. */
  public String nodeName() throws UnknownHostException {
    return node == null || node.isBlank() ? HostName.get() : node;
  }

  /**
   * Refuses to start a node that could not program its host: the agent runs {@code nft} for NAT,
   * published ports and isolation, and without it every Join would fail. Called before any
   * service starts, so `cnm up` never serves half a cluster; the message names the package.
   */
  public static void preflight() {
    try {
      var version = new ProcessNftRunner().run(List.of("--version"), "");
      if (version.exitCode() != 0) {
        throw new IllegalStateException("'nft --version' exited " + version.exitCode() + ": " + version.stderr().strip());
      }
    } catch (CnmException e) {
      throw new IllegalStateException(e.kind() + ": " + e.getMessage(), e);
    }
  }

  /** Starts an agent session over {@code toController}, with metrics and traces in {@code telemetry}. */
  public NodeAgentProcess start(ManagedChannel toController, String advertiseAddress, Path stateDir, Telemetry telemetry)
      throws UnknownHostException {
    return start(toController, advertiseAddress, stateDir, telemetry, null);
  }

  /**
   * As {@link #start(ManagedChannel, String, Path, Telemetry)}, and serves the CNI plugin on
   * --cni-socket, else on {@code defaultCniSocket} (null: not served). The plugin's calls go to
   * the controller over {@code toController}, for sandboxes on this node.
   */
  public NodeAgentProcess start(ManagedChannel toController, String advertiseAddress, Path stateDir, Telemetry telemetry,
      Path defaultCniSocket) throws UnknownHostException {
    NodeAgentProcess agent = startAgent(toController, advertiseAddress, stateDir, telemetry);
    Path cni = cniSocket != null && !cniSocket.isBlank() ? Path.of(cniSocket) : defaultCniSocket;
    if (cni != null) {
      try {
        agent.closing(CniRoutes.register(LocalApiServer.builder(), new CniPlugin(toController, nodeName())).start(cni));
      } catch (RuntimeException e) {
        agent.close();
        throw e;
      }
    }
    return agent;
  }

  private NodeAgentProcess startAgent(ManagedChannel toController, String advertiseAddress, Path stateDir,
      Telemetry telemetry) throws UnknownHostException {
    NodeAgentProcess agent;
    try {
      agent = NodeAgentProcess.start(toController, nodeName(), advertiseAddress, stateDir, nftTable, userlandProxy,
          gwbridgeSubnet == null ? "" : gwbridgeSubnet, tmpfsRuntime, telemetry.meterRegistry());
    } catch (CnmException e) {
      // one line for the operator, e.g. "FAILED_PRECONDITION: --advertise-address 10.9.9.9 is not an address of this node"
      throw new IllegalStateException(e.kind() + ": " + e.getMessage(), e);
    }
    agent.session().tracer(telemetry.tracer());
    return agent;
  }
}
