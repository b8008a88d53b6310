package dev.cnm.cli.serve;

import dev.cnm.ipam.domain.IpamConfig;
import dev.cnm.ipam.server.IpamServer;
import dev.cnm.runtime.Telemetry;
import dev.cnm.runtime.config.ServerOptions;
import java.util.ArrayList;
import java.util.List;
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

  @Option(names = "--store", paramLabel = "ADDR", defaultValue = "${env:CNM_STORE:-127.0.0.1:7370}",
      description = "store-service address (env CNM_STORE; default ${DEFAULT-VALUE}).")
  String store;

  @Option(names = "--local-pools", paramLabel = "BASE/PREFIX:SIZE", split = ",",
      defaultValue = "${env:CNM_LOCAL_POOLS}",
      description = "Default pools of the local space, in order (env CNM_LOCAL_POOLS; default: libnetwork's "
          + "172.17.0.0/16:16 … 172.31.0.0/16:16,192.168.0.0/16:20).")
  List<String> localPools;

  @Option(names = "--global-pools", paramLabel = "BASE/PREFIX:SIZE", split = ",",
      defaultValue = "${env:CNM_GLOBAL_POOLS}",
      description = "Default pools of the global space (env CNM_GLOBAL_POOLS; default 10.0.0.0/8:24).")
  List<String> globalPools;

  @Option(names = "--vxlan-ids", paramLabel = "FIRST-LAST", defaultValue = "${env:CNM_VXLAN_IDS:-4096-16777215}",
      description = "The VNI range of id set vxlan (env CNM_VXLAN_IDS; default ${DEFAULT-VALUE}).")
  String vxlanIds;

  @Override
  public Integer call() throws Exception {
    server.configureLogging();
    IpamConfig config = IpamConfig.defaults().withIdSet(IpamConfig.VXLAN, IpamConfig.IdRange.parse(vxlanIds));
    if (localPools != null && !localPools.isEmpty() && !localPools.get(0).isBlank()) {
      config = config.withLocalDefaults(bases(localPools));
    }
    if (globalPools != null && !globalPools.isEmpty() && !globalPools.get(0).isBlank()) {
      config = config.withGlobalDefaults(bases(globalPools));
    }
    ServerOptions options = server.toOptions(IpamServer.DEFAULT_LISTEN);
    Telemetry telemetry = Telemetry.create("ipam", options);
    try (IpamServer ipam = IpamServer.start(store, options, server.clientOptions(telemetry), config)) {
      Runtime.getRuntime().addShutdownHook(new Thread(ipam::close));
      ipam.awaitTermination();
    }
    return 0;
  }

  private static List<IpamConfig.PoolBase> bases(List<String> texts) {
    List<IpamConfig.PoolBase> out = new ArrayList<>();
    for (String t : texts) {
      out.add(IpamConfig.PoolBase.parse(t.trim()));
    }
    return out;
  }
}
