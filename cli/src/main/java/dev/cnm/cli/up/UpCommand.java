package dev.cnm.cli.up;

import dev.cnm.agent.process.NodeAgentProcess;
import dev.cnm.cli.serve.AgentFlags;
import dev.cnm.cli.serve.IpamFlags;
import dev.cnm.cli.serve.IpamSweepFlag;
import dev.cnm.cli.serve.ServerFlags;
import dev.cnm.controller.ControllerServer;
import dev.cnm.ipam.server.IpamServer;
import dev.cnm.runtime.Telemetry;
import dev.cnm.runtime.config.ServerOptions;
import dev.cnm.runtime.grpc.Channels;
import dev.cnm.runtime.grpc.ClientOptions;
import dev.cnm.store.StoreServer;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cnm up}: the whole of cnm in one process — embedded store, IPAM, controller and this
 * host's agent — wired with in-process gRPC channels (the same services and stubs as a
 * cluster), serving the API on a 0600 Unix socket (and on TCP only when given {@code --listen}),
 * state under one directory.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
    description = "Run everything on this host in one process: store, IPAM, controller and the node agent.")
public final class UpCommand implements Callable<Integer> {
  private static final String IN_PROCESS_CONTROLLER = "inprocess:cnm-up-controller";

  @Mixin
  ServerFlags server;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Mixin AgentFlags agentFlags;

  @Mixin IpamFlags ipamFlags;

  @Mixin IpamSweepFlag ipamSweep;

  @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = "${env:CNM_STATE_DIR:-/var/lib/cnm}",
      description = "Store file and agent state (env CNM_STATE_DIR; default ${DEFAULT-VALUE}).")
  Path stateDir;

  @Option(names = "--advertise-address", paramLabel = "IP", defaultValue = "${env:CNM_ADVERTISE_ADDRESS}",
      description = "This node's address for overlay (VXLAN) traffic; it must be on this host (env "
          + "CNM_ADVERTISE_ADDRESS; default: the default-route interface's address, overlay off without one).")
  String advertiseAddress;

  @Option(names = "--socket", paramLabel = "PATH", defaultValue = "${env:CNM_SOCKET:-/run/cnm/cnm.sock}",
      description = "Unix socket of the API, mode 0600 (env CNM_SOCKET; default ${DEFAULT-VALUE}; empty: none, and then --listen is required).")
  String socket;

  @Override
  public Integer call() throws Exception {
    server.configureLogging();
    AgentFlags.preflight();
    Files.createDirectories(stateDir);
    // the socket only, unless --listen adds a listener (on TCP without mTLS: read-only calls, or
    // everything with --insecure-tcp): any local user can reach a loopback port
    ServerOptions api = server.toOptions(IN_PROCESS_CONTROLLER);
    boolean hasSocket = socket != null && !socket.isBlank();
    if (!hasSocket && api.listen().equals(IN_PROCESS_CONTROLLER)) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "--socket is empty and no --listen is given: nothing could reach the API");
    }
    ServerOptions.Builder controllerOptions = api.toBuilder();
    if (!api.listen().equals(IN_PROCESS_CONTROLLER)) {
      controllerOptions.addListen(IN_PROCESS_CONTROLLER);
    }
    if (hasSocket) {
      controllerOptions.addListen("unix:" + socket);
    }
    Telemetry telemetry = Telemetry.create("cnm-up", api);
    ClientOptions client = ClientOptions.plaintext(telemetry);
    String name = agentFlags.nodeName();
    try (StoreServer store = StoreServer.start(StoreServer.Backend.EMBEDDED, stateDir.resolve("store"), List.of(),
            ServerOptions.listeningOn("inprocess:cnm-up-store"), telemetry);
        IpamServer ipam = IpamServer.start("inprocess:cnm-up-store", ServerOptions.listeningOn("inprocess:cnm-up-ipam"),
            client, ipamFlags.toConfig());
        ControllerServer controller = ControllerServer.start("inprocess:cnm-up-store", "inprocess:cnm-up-ipam",
            controllerOptions.build(), client, ipamSweep.interval())) {
      ManagedChannel toController = Channels.forTarget(IN_PROCESS_CONTROLLER, client);
      NodeAgentProcess agent = agentFlags.start(toController, advertiseAddress == null ? "" : advertiseAddress,
          stateDir.resolve("agent"), telemetry, hasSocket ? Path.of(socket).resolveSibling("cni.sock") : null);
      spec.commandLine().getOut().println("cnm up: serving on " + String.join(", ", controller.addresses().stream()
          .filter(a -> !a.startsWith("inprocess:")).toList()) + " (node " + name + ", state " + stateDir + ")");
      spec.commandLine().getOut().flush();
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        agent.close();
        toController.shutdownNow();
        controller.close();
        ipam.close();
        store.close();
        stopped.countDown();
      }));
      stopped.await();
    }
    return 0;
  }
}
