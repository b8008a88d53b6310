package dev.cnm.cli.serve;

import dev.cnm.ipam.domain.IpamConfig;
import dev.cnm.ipam.server.IpamServer;
import dev.cnm.runtime.Telemetry;
import dev.cnm.runtime.config.ServerOptions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cnm serve ipam --store ADDR --listen ADDR}: the Ipam service over a store-service. */
@Command(name = "ipam", mixinStandardHelpOptions = true,
    description = "Run ipam-service: address pools, addresses and VXLAN ids, persisted in store-service.")
public final class ServeIpamCommand implements Callable<Integer> {
  @Mixin
  ServerFlags server;

  @Mixin
  IpamFlags ipamFlags;

  @Option(names = "--store", paramLabel = "ADDR", defaultValue = "${env:CNM_STORE:-" + ServeStoreCommand.DEFAULT_LISTEN + "}",
      description = "store-service address (env CNM_STORE; default ${DEFAULT-VALUE}).")
  String store;

  @Override
  public Integer call() throws Exception {
    server.configureLogging();
    IpamConfig config = ipamFlags.toConfig();
    ServerOptions options = server.toOptions(IpamServer.DEFAULT_LISTEN);
    Telemetry telemetry = Telemetry.create("ipam", options);
    try (IpamServer ipam = IpamServer.start(store, options, server.clientOptions(telemetry), config)) {
      Runtime.getRuntime().addShutdownHook(new Thread(ipam::close));
      ipam.awaitTermination();
    }
    return 0;
  }
}
