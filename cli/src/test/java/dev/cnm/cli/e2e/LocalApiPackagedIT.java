package dev.cnm.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.api.v1.ListNodesRequest;
import dev.cnm.api.v1.ListSandboxesRequest;
import dev.cnm.api.v1.NetworkControllerGrpc;
import dev.cnm.api.v1.Node;
import dev.cnm.api.v1.NodeStatus;
import dev.cnm.runtime.Telemetry;
import dev.cnm.runtime.grpc.Channels;
import dev.cnm.runtime.grpc.ClientOptions;
import io.grpc.ManagedChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local API against a user that is not root: real {@code cnm up} processes in a test-owned
 * network namespace, and clients (the packaged CLI, {@link AgentSessionProbe}) run as uid/gid
 * 65534 with {@code setpriv --reuid=65534 --regid=65534 --clear-groups}. The socket's directory is
 * world-readable here, so only the socket's own 0600 mode stands in the way.
 */
class LocalApiPackagedIT {
  private static final String SETPRIV = "/usr/bin/setpriv";
  private static final String NOBODY = "65534";

  @TempDir Path dir;
  NetnsHost host;
  ManagedChannel rootChannel;
  Path probeClasses;

  @BeforeEach
  void setUp() throws Exception {
    if (!Files.isExecutable(Path.of(SETPRIV))) {
      throw new AssertionError(SETPRIV + " is missing: install the Debian package util-linux");
    }
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    host = new NetnsHost(dir);
    probeClasses = copyProbeClasses();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (rootChannel != null) {
      rootChannel.shutdownNow();
    }
    host.close();
  }

  private Path socket() {
    return dir.resolve("run").resolve("cnm.sock");
  }

  /** Starts cnm up with {@code extra} flags and waits until its own agent is READY (asked over the socket, as root). */
  private void up(String... extra) throws Exception {
    Files.createDirectories(socket().getParent(), PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rwxr-xr-x")));
    List<String> args = new ArrayList<>(List.of("up", "--state-dir", dir.resolve("state").toString(),
        "--socket", socket().toString(), "--node", "cnmt-local", "--nft-table", "cnmt_localapi",
        "--no-userland-proxy"));
    args.addAll(List.of(extra));
    Process p = host.cnm("up.log", args.toArray(String[]::new));
    rootChannel = Channels.forTarget("unix:" + socket(), ClientOptions.plaintext(Telemetry.noop()));
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
        .untilAsserted(() -> {
          assertThat(p.isAlive()).as("cnm up died:\n" + host.log("up.log")).isTrue();
          assertThat(rootApi().listNodes(ListNodesRequest.getDefaultInstance()).getNodesList())
              .anySatisfy(n -> assertThat(n.getStatus()).isEqualTo(NodeStatus.NODE_STATUS_READY));
        });
  }

  private NetworkControllerGrpc.NetworkControllerBlockingStub rootApi() {
    return NetworkControllerGrpc.newBlockingStub(rootChannel).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  /** The exit code and output of {@code cmd} run inside the namespace as uid/gid 65534 without groups. */
  private Result asNobody(String... cmd) throws Exception {
    List<String> full = new ArrayList<>(List.of("nsenter", "--net=/run/netns/" + host.name, SETPRIV,
        "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"));
    full.addAll(List.of(cmd));
    Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("still running: " + full).isTrue();
    return new Result(p.exitValue(), out);
  }

  private Result cliAsNobody(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(NetnsHost.JAVA, "-XX:-UsePerfData", "-jar", NetnsHost.JAR.toString()));
    cmd.addAll(List.of(args));
    cmd.add("--timeout=15");
    return asNobody(cmd.toArray(String[]::new));
  }

  private Result agentSessionAsNobody(String target, String node, String... tls) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(NetnsHost.JAVA, "-XX:-UsePerfData", "-cp",
        NetnsHost.JAR + ":" + probeClasses, AgentSessionProbe.class.getName(), target, node));
    cmd.addAll(List.of(tls));
    return asNobody(cmd.toArray(String[]::new));
  }

  /** The probe's class files, copied where uid 65534 can read them (the Maven repository is root's). */
  private Path copyProbeClasses() throws Exception {
    Path from = Path.of(AgentSessionProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    String pkg = AgentSessionProbe.class.getPackageName().replace('.', '/');
    Path root = dir.resolve("probe");
    Path to = Files.createDirectories(root.resolve(pkg));
    try (Stream<Path> files = Files.list(from.resolve(pkg))) {
      for (Path f : files.filter(f -> f.getFileName().toString().startsWith("AgentSessionProbe")).toList()) {
        Files.copy(f, to.resolve(f.getFileName()));
      }
    }
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.toList()) {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
      }
    }
    return root;
  }

  @Test
  void defaultUp_unprivilegedUser_socketRefusedAndNoTcpListener() throws Exception {
    up();

    assertThat(Files.getPosixFilePermissions(socket())).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    Result viaSocket = cliAsNobody("network", "ls", "--host", "unix:" + socket());
    assertThat(viaSocket.exit()).as(viaSocket.out()).isNotZero();
    assertThat(viaSocket.out()).contains("UNAVAILABLE").contains("Permission denied");
    // the CLI's default address is the socket too
    Result byDefault = cliAsNobody("network", "ls");
    assertThat(byDefault.exit()).as(byDefault.out()).isNotZero();
    // nothing listens on TCP in cnm up's namespace: not the API's port, nor any other
    assertThat(host.exec("ss", "-H", "-l", "-t", "-n").strip()).as("TCP listeners of a default cnm up").isEmpty();
    Result viaTcp = cliAsNobody("network", "ls", "--host", "127.0.0.1:7372");
    assertThat(viaTcp.exit()).isNotZero();
    assertThat(viaTcp.out()).contains("UNAVAILABLE");
    Result session = agentSessionAsNobody("127.0.0.1:7372", "cnmt-intruder");
    assertThat(session.exit()).as(session.out()).isNotZero();
    assertThat(session.out()).contains("REFUSED UNAVAILABLE");
  }

  @Test
  void upWithListen_unprivilegedUser_readsButNoSandboxAndNoAgentSession() throws Exception {
    up("--listen", "127.0.0.1:7372");

    Result ls = cliAsNobody("network", "ls", "--host", "127.0.0.1:7372");
    assertThat(ls.exit()).as(ls.out()).isZero();
    Result create = cliAsNobody("sandbox", "create", "--host", "127.0.0.1:7372", "--external-key", "/proc/1/ns/net", "cnmt-c1");
    assertThat(create.exit()).as(create.out()).isEqualTo(1);
    assertThat(create.out()).contains("UNAUTHENTICATED").contains("CreateSandbox").contains("--insecure-tcp");
    Result session = agentSessionAsNobody("127.0.0.1:7372", "cnmt-intruder");
    assertThat(session.exit()).as(session.out()).isNotZero();
    assertThat(session.out()).contains("REFUSED UNAUTHENTICATED").contains("cnm.v1.NodeAgent/Session");

    assertThat(rootApi().listSandboxes(ListSandboxesRequest.getDefaultInstance()).getSandboxesList()).isEmpty();
    assertThat(rootApi().listNodes(ListNodesRequest.getDefaultInstance()).getNodesList()).extracting(Node::getName)
        .containsExactly("cnmt-local");
    assertThat(host.log("up.log")).contains("refused cnm.v1.NodeAgent/Session");
  }

  @Test
  void upWithMtls_unprivilegedUserWithNodeCertificate_agentSessionAccepted_withoutCertificate_refused()
      throws Exception {
    Path pki = dir.resolve("pki");
    NetnsHost.run(NetnsHost.JAVA, "-jar", NetnsHost.JAR.toString(), "certs", "init", "--dir", pki.toString());
    NetnsHost.run(NetnsHost.JAVA, "-jar", NetnsHost.JAR.toString(), "certs", "issue", "--dir", pki.toString(),
        "--kind", "service", "--name", "cnm", "--ip", "127.0.0.1");
    NetnsHost.run(NetnsHost.JAVA, "-jar", NetnsHost.JAR.toString(), "certs", "issue", "--dir", pki.toString(),
        "--kind", "node", "--name", "cnmt-remote");
    // the unprivileged user holds the node's certificate and key (and nothing else of the PKI)
    Files.setPosixFilePermissions(pki, PosixFilePermissions.fromString("rwxr-xr-x"));
    for (String f : List.of("ca.crt", "node-cnmt-remote.crt", "node-cnmt-remote.key")) {
      Files.setPosixFilePermissions(pki.resolve(f), PosixFilePermissions.fromString("rw-r--r--"));
    }
    up("--listen", "127.0.0.1:7372", "--tls-cert", pki.resolve("service-cnm.crt").toString(),
        "--tls-key", pki.resolve("service-cnm.key").toString(), "--tls-ca", pki.resolve("ca.crt").toString());

    Result accepted = agentSessionAsNobody("127.0.0.1:7372", "cnmt-remote", pki.resolve("node-cnmt-remote.crt").toString(),
        pki.resolve("node-cnmt-remote.key").toString(), pki.resolve("ca.crt").toString());
    assertThat(accepted.exit()).as(accepted.out()).isZero();
    assertThat(accepted.out()).contains("SNAPSHOT");
    Result anonymous = agentSessionAsNobody("127.0.0.1:7372", "cnmt-remote");
    assertThat(anonymous.exit()).as(anonymous.out()).isNotZero();
    assertThat(anonymous.out()).contains("REFUSED UNAVAILABLE");
    // a node certificate is not the API's: the unprivileged holder still cannot create a sandbox
    Result create = cliAsNobody("sandbox", "create", "--host", "127.0.0.1:7372", "--tls-cert",
        pki.resolve("node-cnmt-remote.crt").toString(), "--tls-key", pki.resolve("node-cnmt-remote.key").toString(),
        "--tls-ca", pki.resolve("ca.crt").toString(), "cnmt-c2");
    assertThat(create.exit()).as(create.out()).isEqualTo(1);
    assertThat(create.out()).contains("PERMISSION_DENIED");
  }

  private record Result(int exit, String out) {}
}
