package dev.cnm.cli.serve;

import dev.cnm.agent.process.NodeAgentProcess;
import dev.cnm.controller.ControllerServer;
import dev.cnm.runtime.Telemetry;
import dev.cnm.runtime.config.ServerOptions;
import dev.cnm.runtime.grpc.Channels;
import dev.cnm.runtime.metrics.MetricsHttpServer;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cnm serve agent --controller ADDR --node NAME --advertise-address IP --state-dir DIR}. */
@Command(name = "agent", mixinStandardHelpOptions = true,
    description = "Run the node agent: holds a session with the controller and programs this host's kernel.")
public final class ServeAgentCommand implements Callable<Integer> {
  @Mixin
  ServerFlags server;

  @Option(names = "--controller", paramLabel = "ADDR", defaultValue = "${env:CNM_CONTROLLER:-" + ControllerServer.DEFAULT_LISTEN + "}",
      description = "controller-service address (env CNM_CONTROLLER; default ${DEFAULT-VALUE}).")
  String controller;

  @Mixin AgentFlags agentFlags;

  @Option(names = "--advertise-address", paramLabel = "IP", defaultValue = "${env:CNM_ADVERTISE_ADDRESS}",
      description = "The address other nodes reach this one at, the VXLAN underlay: it must be on this host "
          + "(env CNM_ADVERTISE_ADDRESS; default: the default-route interface's address, overlay off without one).")
  String advertiseAddress;

  @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = "${env:CNM_STATE_DIR:-/var/lib/cnm/agent}",
      description = "Where namespaces and sandbox files live (env CNM_STATE_DIR; default ${DEFAULT-VALUE}).")
  Path stateDir;

  @Override
  public Integer call() throws Exception {
    AgentFlags.preflight();
    server.configureLogging();
    ServerOptions options = server.toOptions("127.0.0.1:0");
    Telemetry telemetry = Telemetry.create("agent", options);
    ManagedChannel channel = Channels.forTarget(controller, server.clientOptions(telemetry));
    NodeAgentProcess agent;
    try {
      agent = agentFlags.start(channel, advertiseAddress == null ? "" : advertiseAddress, stateDir, telemetry);
    } catch (RuntimeException e) {
      channel.shutdownNow(); // e.g. an --advertise-address that is not this node's: nothing was started
      throw e;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    AtomicBoolean serving = new AtomicBoolean(true);
    // The agent serves no gRPC, so /metrics and /healthz come from their own HTTP server. Healthy
    // while the process runs: the agent redials a controller that is away by itself, and a
    // restart would not bring the controller back.
    MetricsHttpServer metrics = null;
    if (!options.metricsListen().isEmpty()) {
      try {
        metrics = MetricsHttpServer.start(options.metricsListen(), telemetry::scrape, serving::get);
      } catch (IOException | RuntimeException e) {
        agent.close();
        channel.shutdownNow();
        throw e;
      }
    }
    MetricsHttpServer http = metrics;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      serving.set(false);
      agent.close();
      channel.shutdownNow();
      if (http != null) {
        http.close();
      }
      telemetry.close();
      stopped.countDown();
    }));
    stopped.await();
    return 0;
  }
}
