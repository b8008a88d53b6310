package dev.cnm.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.api.v1.ListNodesRequest;
import dev.cnm.api.v1.NetworkControllerGrpc;
import dev.cnm.api.v1.NodeStatus;
import dev.cnm.runtime.Telemetry;
import dev.cnm.runtime.grpc.Channels;
import dev.cnm.runtime.grpc.ClientOptions;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * {@code cnm up} from the packaged jar as a real process in a test-owned {@link NetnsHost}, with
 * its state and socket under the test's directory, a stub on that socket and the CLI beside it.
 */
final class CnmUpNode implements AutoCloseable {
  final NetnsHost host;
  private final Path dir;
  private final String nftTable;
  private final ManagedChannel channel;
  private final NetworkControllerGrpc.NetworkControllerBlockingStub api;
  /** The running {@code cnm up}. */
  Process up;

  /** Starts {@code cnm up} as node "cnmt-node", its rules in the nftables table {@code nftTable}. */
  CnmUpNode(Path dir, String nftTable) throws Exception {
    this.dir = dir;
    this.nftTable = nftTable;
    host = new NetnsHost(dir);
    channel = Channels.forTarget("unix:" + socket(), ClientOptions.plaintext(Telemetry.noop()));
    api = NetworkControllerGrpc.newBlockingStub(channel);
    up = start();
  }

  Path socket() {
    return dir.resolve("cnm.sock");
  }

  Path state() {
    return dir.resolve("state");
  }

  /** Starts a {@code cnm up} on the same state and waits for its node to be READY. */
  Process start() throws Exception {
    Process p = host.cnm("up.log", "up", "--state-dir", state().toString(), "--socket", socket().toString(),
        "--node", "cnmt-node", "--nft-table", nftTable, "--no-userland-proxy");
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions().untilAsserted(() -> {
      assertThat(p.isAlive()).as("cnm up died:\n" + host.log("up.log")).isTrue();
      assertThat(api().listNodes(ListNodesRequest.getDefaultInstance()).getNodesList())
          .anySatisfy(n -> assertThat(n.getStatus()).isEqualTo(NodeStatus.NODE_STATUS_READY));
    });
    return p;
  }

  /** kill -9 of the running {@code cnm up}, then a new one on the same state. */
  void killAndRestart() throws Exception {
    NetnsHost.kill9(up);
    up = start();
  }

  NetworkControllerGrpc.NetworkControllerBlockingStub api() {
    return api.withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /** Runs the packaged CLI against this node's socket; returns its output, failing on a non-zero exit. */
  String cli(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(NetnsHost.JAVA, "-jar", NetnsHost.JAR.toString()));
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("--host", "unix:" + socket(), "--timeout=30"));
    return NetnsHost.run(cmd.toArray(String[]::new));
  }

  @Override
  public void close() throws Exception {
    channel.shutdownNow();
    host.close();
  }
}
