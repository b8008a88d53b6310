package dev.cnm.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.agent.netns.NetNamespace;
import dev.cnm.api.v1.CreateNetworkRequest;
import dev.cnm.api.v1.CreateSandboxRequest;
import dev.cnm.api.v1.DeleteSandboxRequest;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.IpamConfig;
import dev.cnm.api.v1.IpamPool;
import dev.cnm.api.v1.JoinRequest;
import dev.cnm.api.v1.LeaveRequest;
import dev.cnm.api.v1.Network;
import dev.cnm.api.v1.Sandbox;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded DNS resolver as a user meets it: the controller and the real node agent, sandboxes
 * joined through the API, and queries from inside the sandboxes with {@code dig},
 * {@code getent hosts} (through the sandbox's own resolv.conf) and {@code busybox nslookup}. The
 * agent runs in a network namespace of the test's own ({@code cnmt<random>-host}); the only
 * upstream is a dnsmasq the test starts on that namespace's loopback, so no query leaves it.
 */
class SandboxDnsAgentIT {
  @TempDir Path dir;
  private final String prefix = "cnmt" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xffff));
  private ControllerFixture f;
  private AgentInNamespace node;
  private Process dnsmasq;

  @BeforeEach
  void start() throws Exception {
    requireTool("dig", "bind9-dnsutils");
    requireTool("dnsmasq", "dnsmasq-base");
    requireTool("getent", "libc-bin");
    requireTool("busybox", "busybox");
    f = new ControllerFixture(dir.resolve("controller"));
    node = new AgentInNamespace(f, dir, prefix, prefix + "_dns");
    f.api.createNetwork(network("front", "b0", "10.61.0.0/24"));
    f.api.createNetwork(network("back", "b1", "10.62.0.0/24"));
  }

  @AfterEach
  void stop() throws Exception {
    try {
      if (dnsmasq != null) {
        dnsmasq.destroy();
        dnsmasq.waitFor(5, TimeUnit.SECONDS);
      }
      if (node != null) {
        node.close();
      }
    } finally {
      if (f != null) {
        f.close();
      }
    }
  }

  @Test
  void join_everyNameOfTheNetwork_resolvesFromAnotherSandbox_withDigGetentAndNslookup() throws Exception {
    Sandbox web = sandbox("c0ffee000001aaaabbbbcccc", "webhost");
    Sandbox client = sandbox("c0ffee000002aaaabbbbcccc", "clienthost");
    endpoint("front", "web", "www", "frontend");
    endpoint("front", "cli");
    Sandbox joined = join("web", web);
    join("cli", client);

    assertThat(Files.readString(Path.of(joined.getResolvConfPath())))
        .startsWith("nameserver 127.0.0.11\n").contains("options ndots:0\n");
    for (String name : List.of("web", "www", "frontend", "webhost", "c0ffee000001", "WEB.")) {
      assertThat(dig(client, name)).as(name).containsExactly("10.61.0.2");
    }
    assertThat(dig(client, "-x", "10.61.0.2")).containsExactly("web.");
    assertThat(run(client, true, "getent", "hosts", "www")).startsWith("10.61.0.2").contains("www");
    assertThat(run(client, false, "busybox", "nslookup", "webhost", "127.0.0.11")).contains("10.61.0.2");
    // the resolver answers over TCP as well
    assertThat(dig(client, "+tcp", "web")).containsExactly("10.61.0.2");
  }

  @Test
  void namesOfANetwork_areInvisibleFromOtherNetworks_andASandboxOnBothResolvesBoth() throws Exception {
    Sandbox a = sandbox("aaaa", "ahost");
    Sandbox b = sandbox("bbbb", "bhost");
    Sandbox both = sandbox("cccc", "chost");
    endpoint("front", "fa");
    endpoint("back", "bb");
    endpoint("front", "cf");
    endpoint("back", "cb");
    join("fa", a);
    join("bb", b);
    join("cf", both);
    join("cb", both);

    assertThat(status(a, "bb")).isNotEqualTo("NOERROR");
    assertThat(status(b, "fa")).isNotEqualTo("NOERROR");
    assertThat(dig(both, "fa")).containsExactly("10.61.0.2");
    assertThat(dig(both, "bb")).containsExactly("10.62.0.2");
  }

  @Test
  void aliasOnTwoEndpoints_answersBothAddresses_inRotatingOrder() throws Exception {
    Sandbox s1 = sandbox("s1", "h1");
    Sandbox s2 = sandbox("s2", "h2");
    Sandbox asker = sandbox("s3", "h3");
    endpoint("front", "api1", "api");
    endpoint("front", "api2", "api");
    endpoint("front", "ask");
    join("api1", s1);
    join("api2", s2);
    join("ask", asker);

    Set<String> firsts = new HashSet<>();
    for (int i = 0; i < 4; i++) {
      List<String> answer = dig(asker, "api");
      assertThat(answer).containsExactlyInAnyOrder("10.61.0.2", "10.61.0.3");
      firsts.add(answer.get(0));
    }
    assertThat(firsts).containsExactlyInAnyOrder("10.61.0.2", "10.61.0.3");
  }

  @Test
  void leave_theNameStopsAnswering_andDeletingAnExternalSandbox_closesItsResolver() throws Exception {
    NetNamespace runtimeNs = node.namespace("ext");
    Sandbox ext = f.api.createSandbox(CreateSandboxRequest.newBuilder().setSandbox(Sandbox.newBuilder()
        .setContainerId("ext1").setHostname("exthost").setExternalKey(runtimeNs.path().toString())).build());
    Sandbox other = sandbox("other1", "otherhost");
    endpoint("front", "gone");
    endpoint("front", "stays");
    join("gone", sandbox("gone1", "gonehost"));
    join("stays", ext);
    join("stays2", other, "front");
    assertThat(dig(ext, "gone")).containsExactly("10.61.0.2");

    f.api.leave(LeaveRequest.newBuilder().setEndpoint("gone").setSandbox("gone1").build());
    assertThat(status(ext, "gone")).isNotEqualTo("NOERROR");
    assertThat(dig(ext, "stays2")).containsExactly("10.61.0.4");

    f.api.deleteSandbox(DeleteSandboxRequest.newBuilder().setSandbox("ext1").build());
    // the runtime's namespace stays, and nothing of ours listens in it any more
    Run listening = Run.of(List.of("nsenter", "--net=" + runtimeNs.path(), "ss", "-Hlnu", "sport", "=", "53"));
    assertThat(listening.code()).isZero();
    assertThat(listening.out()).doesNotContain("127.0.0.11");
  }

  @Test
  void agentRestart_bringsEveryResolverBack_withoutTouchingTheSandboxes() throws Exception {
    Sandbox s1 = sandbox("r1", "rhost1");
    Sandbox s2 = sandbox("r2", "rhost2");
    endpoint("front", "one");
    endpoint("front", "two");
    join("one", s1);
    join("two", s2);
    assertThat(dig(s1, "two")).containsExactly("10.61.0.3");

    node.stopAgent();
    assertThat(status(s1, "two")).as("no resolver while no agent runs").isEqualTo("no answer");
    node.start();

    Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(dig(s1, "two")).containsExactly("10.61.0.3"));
    assertThat(dig(s2, "rhost1")).containsExactly("10.61.0.2");
  }

  @Test
  void otherNames_areForwardedToTheSandboxesDnsServers_aLoopbackOneReachedFromTheAgentsNamespace() throws Exception {
    dnsmasq = new ProcessBuilder("nsenter", "--net=" + node.host.path(), "dnsmasq", "--keep-in-foreground",
        "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--bind-interfaces", "--listen-address=127.0.0.53",
        "--port=53", "--user=root", "--pid-file=", "--log-facility=-", "--address=/upstream.test/192.0.2.7",
        "--address=/invalid/")
        .redirectErrorStream(true).redirectOutput(dir.resolve("dnsmasq.log").toFile()).start();
    Sandbox s = f.api.createSandbox(CreateSandboxRequest.newBuilder().setSandbox(Sandbox.newBuilder()
        .setContainerId("fwd1").setHostname("fwdhost").addDnsServers("127.0.0.53")).build());
    endpoint("front", "fwd");
    Sandbox joined = join("fwd", s);
    assertThat(Files.readString(Path.of(joined.getResolvConfPath())))
        .as("the sandbox's dns_servers are the resolver's upstreams, not resolv.conf's")
        .doesNotContain("127.0.0.53").startsWith("nameserver 127.0.0.11\n");

    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(dig(s, "www.upstream.test")).containsExactly("192.0.2.7"));
    assertThat(dig(s, "fwd")).containsExactly("10.61.0.2");
    // dnsmasq answers NXDOMAIN for the .invalid domain: the resolver passes the upstream's answer on
    assertThat(status(s, "nothing.invalid")).isEqualTo("NXDOMAIN");
  }

  // --- helpers -------------------------------------------------------------------------------

  private CreateNetworkRequest network(String name, String bridgeSuffix, String subnet) {
    return CreateNetworkRequest.newBuilder().setNetwork(Network.newBuilder().setName(name).setDriver("bridge")
        .putOptions("com.docker.network.bridge.name", prefix + bridgeSuffix)
        .setIpam(IpamConfig.newBuilder().addIpv4(IpamPool.newBuilder().setSubnet(subnet)))).build();
  }

  private Sandbox sandbox(String containerId, String hostname) {
    return f.api.createSandbox(CreateSandboxRequest.newBuilder().setSandbox(Sandbox.newBuilder()
        .setContainerId(containerId).setHostname(hostname)).build());
  }

  private void endpoint(String network, String name, String... aliases) {
    f.api.createEndpoint(Api.endpoint(network, Endpoint.newBuilder().setName(name).addAllAliases(List.of(aliases))));
  }

  private Sandbox join(String endpoint, Sandbox sandbox) {
    return f.api.join(JoinRequest.newBuilder().setEndpoint(endpoint).setSandbox(sandbox.getId()).build()).getSandbox();
  }

  private Sandbox join(String endpoint, Sandbox sandbox, String network) {
    endpoint(network, endpoint);
    return join(endpoint, sandbox);
  }

  /** The sandbox's namespace file, as the controller reports it once the agent made it. */
  private String key(Sandbox s) {
    return f.api.getSandbox(dev.cnm.api.v1.GetSandboxRequest.newBuilder().setSandbox(s.getId()).build()).getKey();
  }

  /** {@code dig +short} from inside the sandbox against 127.0.0.11, one try: the answer lines. */
  private List<String> dig(Sandbox s, String... query) {
    List<String> cmd = new ArrayList<>(List.of("nsenter", "--net=" + key(s), "dig", "@127.0.0.11", "+short",
        "+tries=1", "+time=3"));
    cmd.addAll(List.of(query));
    Run r = Run.of(cmd);
    assertThat(r.code()).as("dig %s: %s", List.of(query), r.out()).isZero();
    return r.out().lines().filter(l -> !l.isBlank()).toList();
  }

  /** The response code dig prints for an A query of {@code name} ("no answer" when nothing replies). */
  private String status(Sandbox s, String name) {
    Run r = Run.of(List.of("nsenter", "--net=" + key(s), "dig", "@127.0.0.11", "+tries=1", "+time=3", name));
    for (String line : r.out().lines().toList()) {
      int at = line.indexOf("status: ");
      if (at >= 0) {
        return line.substring(at + 8, line.indexOf(',', at));
      }
    }
    return "no answer";
  }

  /**
   * Runs {@code command} inside the sandbox; with {@code resolvConf} the sandbox's own resolv.conf
   * is bind-mounted on /etc/resolv.conf first (in a mount namespace of the command's own), as a
   * container runtime does, so libc's resolver finds 127.0.0.11 by itself.
   */
  private String run(Sandbox s, boolean resolvConf, String... command) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("nsenter", "--net=" + key(s)));
    if (resolvConf) {
      Sandbox got = f.api.getSandbox(dev.cnm.api.v1.GetSandboxRequest.newBuilder().setSandbox(s.getId()).build());
      cmd.addAll(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
          "mount --bind " + got.getResolvConfPath() + " /etc/resolv.conf && exec \"$@\"", "sh"));
    }
    cmd.addAll(List.of(command));
    Run r = Run.of(cmd);
    assertThat(r.code()).as("%s: %s", List.of(command), r.out()).isZero();
    return r.out();
  }

  private static void requireTool(String tool, String debianPackage) {
    Run r = Run.of(List.of("sh", "-c", "command -v " + tool));
    assertThat(r.code()).as("%s is missing: install the Debian package %s (scripts/test.sh installs it)", tool,
        debianPackage).isZero();
  }

  /** A finished command: exit code and its output (stdout and stderr together). */
  private record Run(int code, String out) {
    static Run of(List<String> cmd) {
      try {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          return new Run(-1, "timed out: " + cmd);
        }
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }
}
