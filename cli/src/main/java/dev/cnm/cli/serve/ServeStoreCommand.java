package dev.cnm.cli.serve;

import dev.cnm.runtime.config.ServerOptions;
import dev.cnm.runtime.config.TlsFiles;
import dev.cnm.store.StoreServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code cnm serve store --backend embedded|etcd --data-dir DIR --etcd-endpoints URLS --listen ADDR}:
 * the Store service over the embedded database (one SQLite file under the data dir) or etcd,
 * reached over TLS with {@code --etcd-ca/--etcd-cert/--etcd-key}.
 */
@Command(name = "store", mixinStandardHelpOptions = true,
    description = "Run store-service: the KV store every cnm service persists through (embedded database or etcd).")
public final class ServeStoreCommand implements Callable<Integer> {
  /** Where store-service listens unless told otherwise: a 0600 socket, which only its own user reaches. */
  public static final String DEFAULT_LISTEN = "unix:/run/cnm/store.sock";

  @Mixin
  ServerFlags server;

  @Option(names = "--backend", paramLabel = "embedded|etcd", defaultValue = "${env:CNM_BACKEND:-embedded}",
      description = "embedded: a SQLite file under --data-dir; etcd: the cluster at --etcd-endpoints "
          + "(env CNM_BACKEND; default ${DEFAULT-VALUE}).")
  String backend;

  @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "${env:CNM_DATA_DIR:-/var/lib/cnm/store}",
      description = "Directory of the embedded database (env CNM_DATA_DIR; default ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--etcd-endpoints", paramLabel = "URLS", split = ",", defaultValue = "${env:CNM_ETCD_ENDPOINTS}",
      description = "Comma-separated etcd client URLs, e.g. http://127.0.0.1:2379 (env CNM_ETCD_ENDPOINTS).")
  List<String> etcdEndpoints;

  @Option(names = "--etcd-ca", paramLabel = "FILE", defaultValue = "${env:CNM_ETCD_CA}",
      description = "PEM CA bundle that verifies etcd's server certificate; enables TLS to etcd "
          + "(use https:// endpoints) (env CNM_ETCD_CA).")
  Path etcdCa;

  @Option(names = "--etcd-cert", paramLabel = "FILE", defaultValue = "${env:CNM_ETCD_CERT}",
      description = "PEM client certificate presented to etcd (etcd --client-cert-auth) (env CNM_ETCD_CERT).")
  Path etcdCert;

  @Option(names = "--etcd-key", paramLabel = "FILE", defaultValue = "${env:CNM_ETCD_KEY}",
      description = "PKCS#8 PEM private key of --etcd-cert (env CNM_ETCD_KEY).")
  Path etcdKey;

  @Override
  public Integer call() throws Exception {
    server.configureLogging();
    StoreServer.Backend kind;
    try {
      kind = StoreServer.Backend.valueOf(backend.trim().toUpperCase());
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
          "--backend: expected embedded or etcd, got " + backend);
    }
    List<String> endpoints = new ArrayList<>();
    if (etcdEndpoints != null) {
      etcdEndpoints.stream().map(String::trim).filter(s -> !s.isEmpty()).forEach(endpoints::add);
    }
    ServerOptions options = server.toOptions(DEFAULT_LISTEN);
    try (StoreServer store = StoreServer.start(kind, dataDir, endpoints, etcdTls(), options, null)) {
      Runtime.getRuntime().addShutdownHook(new Thread(store::close, "cnm-store-shutdown"));
      store.awaitTermination();
    }
    return 0;
  }

  /** The client TLS files for etcd; NONE (plaintext) when none is given. */
  public TlsFiles etcdTls() {
    if ((etcdCert == null) != (etcdKey == null)) {
      throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
          "--etcd-cert and --etcd-key must be given together");
    }
    check("--etcd-ca", etcdCa);
    check("--etcd-cert", etcdCert);
    check("--etcd-key", etcdKey);
    return new TlsFiles(etcdCert, etcdKey, etcdCa);
  }

  private void check(String flag, Path file) {
    if (file != null && !Files.isReadable(file)) {
      throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), flag + ": cannot read " + file);
    }
  }
}
