package dev.cnm.cli.serve;

import dev.cnm.controller.ControllerServer;
import dev.cnm.ipam.server.IpamServer;
import dev.cnm.runtime.Telemetry;
import dev.cnm.runtime.config.ServerOptions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cnm serve controller --store ADDR --ipam ADDR --listen ADDR [--ipam-sweep-interval SECONDS]}. */
@Command(name = "controller", mixinStandardHelpOptions = true,
    description = "Run controller-service: the NetworkController API and the node agents' sessions.")
public final class ServeControllerCommand implements Callable<Integer> {
  @Mixin
  ServerFlags server;

  @Option(names = "--store", paramLabel = "ADDR", defaultValue = "${env:CNM_STORE:-" + ServeStoreCommand.DEFAULT_LISTEN + "}",
      description = "store-service address (env CNM_STORE; default ${DEFAULT-VALUE}).")
  String store;

  @Option(names = "--ipam", paramLabel = "ADDR", defaultValue = "${env:CNM_IPAM:-" + IpamServer.DEFAULT_LISTEN + "}",
      description = "ipam-service address (env CNM_IPAM; default ${DEFAULT-VALUE}).")
  String ipam;

  @Mixin
  IpamSweepFlag ipamSweep;

  @Override
  public Integer call() throws Exception {
    server.configureLogging();
    ServerOptions options = server.toOptions(ControllerServer.DEFAULT_LISTEN);
    Telemetry telemetry = Telemetry.create("controller", options);
    try (ControllerServer controller = ControllerServer.start(store, ipam, options, server.clientOptions(telemetry),
        ipamSweep.interval())) {
      Runtime.getRuntime().addShutdownHook(new Thread(controller::close));
      controller.awaitTermination();
    }
    return 0;
  }
}
