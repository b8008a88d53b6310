package dev.cnm.store;

import dev.cnm.runtime.config.ServerOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A minimal launcher for store-service alone (the full command is {@code cnm serve store}):
 * {@code --backend embedded|etcd --data-dir DIR --etcd-endpoints URL[,URL] --listen HOST:PORT
 * [--insecure-tcp true]}; on TCP it serves only health and reflection unless {@code --insecure-tcp true}
 * trusts every caller (as {@code cnm serve store --insecure-tcp}). Prints {@code listening <address>} on stdout once serving; stops on SIGTERM.
 */
public final class StoreMain {
  private StoreMain() {}

  public static void main(String[] args) throws Exception {
    StoreServer.Backend backend = StoreServer.Backend.EMBEDDED;
    Path dataDir = Path.of("/var/lib/cnm/store");
    List<String> endpoints = new ArrayList<>();
    String listen = "unix:/run/cnm/store.sock";
    boolean insecureTcp = false;
    for (int i = 0; i + 1 < args.length; i += 2) {
      String value = args[i + 1];
      switch (args[i]) {
        case "--backend" -> backend = StoreServer.Backend.valueOf(value.toUpperCase());
        case "--data-dir" -> dataDir = Path.of(value);
        case "--etcd-endpoints" -> endpoints.addAll(Arrays.asList(value.split(",")));
        case "--listen" -> listen = value;
        case "--insecure-tcp" -> insecureTcp = Boolean.parseBoolean(value);
        default -> throw new IllegalArgumentException("unknown flag " + args[i]);
      }
    }
    StoreServer server = StoreServer.start(backend, dataDir, endpoints, ServerOptions.builder().listen(listen).insecureTcp(insecureTcp).build());
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "cnm-store-shutdown"));
    System.out.println("listening " + String.join(",", server.addresses()));
    System.out.flush();
    server.awaitTermination();
  }
}
