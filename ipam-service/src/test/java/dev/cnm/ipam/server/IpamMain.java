package dev.cnm.ipam.server;

import dev.cnm.ipam.domain.IpamConfig;
import dev.cnm.runtime.config.ServerOptions;

/**
 * A plain entry point for running ipam-service without the cnm CLI (tests start it with
 * {@code java -cp}): {@code IpamMain --store HOST:PORT --listen HOST:PORT [--address-space NAME]...
 * [--vxlan-ids FIRST-LAST[:AUTO_FIRST]] [--insecure-tcp true]}; on TCP it serves only health and
 * reflection unless {@code --insecure-tcp true} trusts every caller. The supported command is
 * {@code cnm serve ipam}.
 */
public final class IpamMain {
  private IpamMain() {
  }

  public static void main(String[] args) throws Exception {
    String store = null;
    String listen = IpamServer.DEFAULT_LISTEN;
    boolean insecureTcp = false;
    IpamConfig config = IpamConfig.defaults();
    java.util.List<String> spaces = new java.util.ArrayList<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--store" -> store = args[i + 1];
        case "--listen" -> listen = args[i + 1];
        case "--insecure-tcp" -> insecureTcp = Boolean.parseBoolean(args[i + 1]);
        case "--address-space" -> spaces.add(args[i + 1]);
        case "--vxlan-ids" -> config = config.withIdSet(IpamConfig.VXLAN, IpamConfig.IdRange.parse(args[i + 1]));
        default -> throw new IllegalArgumentException("unknown flag " + args[i]
            + " (want --store, --listen, --address-space, --vxlan-ids, --insecure-tcp)");
      }
    }
    if (store == null) {
      throw new IllegalArgumentException("--store HOST:PORT is required");
    }
    IpamServer server = IpamServer.start(store, ServerOptions.builder().listen(listen).insecureTcp(insecureTcp).build(),
        config.withExtraSpaces(spaces));
    Runtime.getRuntime().addShutdownHook(new Thread(server::close));
    // the line tests wait for, with the bound port (listen may ask for port 0)
    System.out.println("ipam serving on port " + server.port());
    System.out.flush();
    server.awaitTermination();
  }
}
