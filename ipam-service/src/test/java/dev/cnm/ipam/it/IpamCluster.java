package dev.cnm.ipam.it;

import dev.cnm.api.v1.IpamGrpc;
import dev.cnm.runtime.config.ServerOptions;
import dev.cnm.runtime.grpc.CnmServer;
import dev.cnm.store.StoreServices;
import dev.cnm.store.backend.KvBackend;
import dev.cnm.testing.EtcdProcess;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A store-service (embedded or over a real etcd) served on loopback from the test JVM, and
 * ipam-service replicas as real processes ({@code java -cp ... IpamMain}) over it.
 */
final class IpamCluster implements AutoCloseable {
  private final EtcdProcess etcd;
  private final KvBackend backend;
  private final CnmServer store;
  private final List<Process> ipams = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private Path dataDir;

  private IpamCluster(EtcdProcess etcd, KvBackend backend, CnmServer store) {
    this.etcd = etcd;
    this.backend = backend;
    this.store = store;
  }

  static IpamCluster start(boolean useEtcd) throws Exception {
    EtcdProcess etcd = useEtcd ? EtcdProcess.start() : null;
    Path dir = useEtcd ? null : Files.createTempDirectory("cnmt-ipam-store-");
    KvBackend backend = useEtcd ? StoreServices.etcd(List.of(etcd.endpoint())) : StoreServices.embedded(dir);
    CnmServer store = CnmServer.builder("store", ServerOptions.insecureListeningOn("127.0.0.1:0"))
        .addService(StoreServices.grpcService(backend)).start();
    IpamCluster cluster = new IpamCluster(etcd, backend, store);
    cluster.dataDir = dir;
    return cluster;
  }

  /** Starts one more ipam-service process; returns its index. */
  int startIpam() throws Exception {
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "-Xmx256m",
        "dev.cnm.ipam.server.IpamMain", "--store", "127.0.0.1:" + store.port(), "--listen", "127.0.0.1:0",
        "--insecure-tcp", "true");
    pb.redirectErrorStream(true);
    Process p = pb.start();
    ipams.add(p);
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    String line;
    while ((line = out.readLine()) != null) {
      if (line.startsWith("ipam serving on port ")) {
        int port = Integer.parseInt(line.substring("ipam serving on port ".length()).trim());
        channels.add(NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build());
        Thread drain = new Thread(() -> out.lines().forEach(l -> { }));
        drain.setDaemon(true);
        drain.start();
        return ipams.size() - 1;
      }
      if (System.nanoTime() > deadline) {
        break;
      }
    }
    throw new IllegalStateException("ipam process did not start (last output: " + line + ")");
  }

  IpamGrpc.IpamBlockingStub stub(int replica) {
    return IpamGrpc.newBlockingStub(channels.get(replica)).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  /** kill -9 of one replica. */
  void kill(int replica) throws InterruptedException {
    ipams.get(replica).destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    channels.forEach(ManagedChannel::shutdownNow);
    for (Process p : ipams) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    store.close();
    backend.close();
    if (etcd != null) {
      etcd.close();
    }
    if (dataDir != null) {
      try (var files = Files.walk(dataDir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }
}
