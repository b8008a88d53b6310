package dev.cnm.cli.serve;

import dev.cnm.agent.session.NodeAgentProcess;
import dev.cnm.runtime.Telemetry;
import dev.cnm.runtime.grpc.Channels;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cnm serve agent --controller ADDR --node NAME --advertise-address IP --state-dir DIR}. */
@Command(name = "agent", mixinStandardHelpOptions = true,
    description = "Run the node agent: holds a session with the controller and programs this host's kernel.")
public final class ServeAgentCommand implements Callable<Integer> {
  @Mixin
  ServerFlags server;

  @Option(names = "--controller", paramLabel = "ADDR", defaultValue = "${env:CNM_CONTROLLER:-127.0.0.1:7372}",
      description = "controller-service address (env CNM_CONTROLLER; default ${DEFAULT-VALUE}).")
  String controller;

  @Mixin AgentFlags agentFlags;

  @Option(names = "--advertise-address", paramLabel = "IP", defaultValue = "${env:CNM_ADVERTISE_ADDRESS}",
      description = "The address other nodes reach this one at (env CNM_ADVERTISE_ADDRESS).")
  String advertiseAddress;

  @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = "${env:CNM_STATE_DIR:-/var/lib/cnm/agent}",
      description = "Where namespaces and sandbox files live (env CNM_STATE_DIR; default ${DEFAULT-VALUE}).")
  Path stateDir;

  @Override
  public Integer call() throws Exception {
    server.configureLogging();
    Telemetry telemetry = Telemetry.create("agent", server.toOptions("127.0.0.1:0"));
    ManagedChannel channel = Channels.forTarget(controller, server.clientOptions(telemetry));
    NodeAgentProcess agent = agentFlags.start(channel, advertiseAddress == null ? "" : advertiseAddress, stateDir,
        telemetry);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      agent.close();
      channel.shutdownNow();
      stopped.countDown();
    }));
    stopped.await();
    return 0;
  }
}
