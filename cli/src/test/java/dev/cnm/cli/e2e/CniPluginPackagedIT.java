package dev.cnm.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.cnm.api.v1.CreateNetworkRequest;
import dev.cnm.api.v1.GetEndpointRequest;
import dev.cnm.api.v1.IpamConfig;
import dev.cnm.api.v1.IpamPool;
import dev.cnm.api.v1.ListEndpointsRequest;
import dev.cnm.api.v1.ListSandboxesRequest;
import dev.cnm.api.v1.Network;
import dev.cnm.api.v1.Sandbox;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * cnm's CNI plugin as a runtime calls it: the shipped {@code cnm} script executed with the CNI_*
 * environment and a network configuration on stdin (as the reference {@code cnitool} does),
 * against a real {@code cnm up} in a test-owned host namespace, on container namespaces the test
 * made with {@code ip netns add} (as a runtime makes them). ADD's result is checked against the
 * kernel, containers ping each other, DEL is idempotent, and every bad input is a CNI error with
 * the specification's code that leaves nothing behind in cnm or in the kernel.
 */
class CniPluginPackagedIT {
  private static final String RUN = UUID.randomUUID().toString().substring(0, 6);
  @TempDir Path dir;
  CnmUpNode node;
  Path plugin;
  final List<String> namespaces = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    if (!Files.isExecutable(Path.of("/usr/bin/curl"))) {
      throw new AssertionError("/usr/bin/curl is missing: install the Debian package curl");
    }
    node = new CnmUpNode(dir, "cnmt_cni" + RUN);
    plugin = dir.resolve("bin").resolve("cnm");
    Files.createDirectories(plugin.getParent());
    try (InputStream script = getClass().getResourceAsStream("/dev/cnm/agent/cni/cnm")) {
      assertThat(script).as("the plugin script on the classpath").isNotNull();
      Files.copy(script, plugin, StandardCopyOption.REPLACE_EXISTING);
    }
    assertThat(plugin.toFile().setExecutable(true)).isTrue();
    node.api().createNetwork(CreateNetworkRequest.newBuilder().setNetwork(Network.newBuilder().setName("cninet")
        .putOptions("bridge_name", "cnmt-c" + RUN).setIpam(IpamConfig.newBuilder()
            .addIpv4(IpamPool.newBuilder().setSubnet("10.232.7.0/24")))).build());
  }

  @AfterEach
  void stop() throws Exception {
    for (String ns : namespaces) {
      new ProcessBuilder("ip", "netns", "del", ns).start().waitFor(10, TimeUnit.SECONDS);
    }
    node.close();
  }

  @Test
  void add_twoContainers_resultMatchesTheKernelAndTheyPingEachOther() throws Exception {
    String a = netns();
    String b = netns();
    Outcome addA = call("ADD", "ctr-a" + RUN, nsPath(a), "eth0", config("cninet"));
    Outcome addB = call("ADD", "ctr-b" + RUN, nsPath(b), "eth0", withPorts(config("cninet"),
        "{\"hostPort\":18431,\"containerPort\":80,\"protocol\":\"tcp\"}"));
    assertThat(addA.exit).as(addA.toString()).isZero();
    assertThat(addB.exit).as(addB.toString()).isZero();

    JsonObject result = addA.json();
    assertThat(result.get("cniVersion").getAsString()).isEqualTo("1.0.0");
    JsonObject iface = result.getAsJsonArray("interfaces").get(0).getAsJsonObject();
    assertThat(iface.get("name").getAsString()).isEqualTo("eth0");
    assertThat(iface.get("sandbox").getAsString()).isEqualTo(nsPath(a));
    String link = NetnsHost.run("ip", "-n", a, "-o", "link", "show", "eth0");
    assertThat(link).contains("link/ether " + iface.get("mac").getAsString());
    JsonObject ip = result.getAsJsonArray("ips").get(0).getAsJsonObject();
    assertThat(ip.get("address").getAsString()).startsWith("10.232.7.").endsWith("/24");
    assertThat(ip.get("gateway").getAsString()).isEqualTo("10.232.7.1");
    assertThat(ip.get("interface").getAsInt()).isZero();
    assertThat(ip.has("version")).as("1.0.0 results carry no IP version").isFalse();
    JsonObject route = result.getAsJsonArray("routes").get(0).getAsJsonObject();
    assertThat(route.get("dst").getAsString()).isEqualTo("0.0.0.0/0");
    assertThat(route.get("gw").getAsString()).isEqualTo("10.232.7.1");
    assertThat(NetnsHost.run("ip", "-n", a, "-4", "-o", "addr", "show", "eth0"))
        .contains(ip.get("address").getAsString());
    assertThat(NetnsHost.run("ip", "-n", a, "route", "show", "default")).contains("via 10.232.7.1 dev eth0");

    String addressB = address(addB.json());
    assertThat(NetnsHost.run("ip", "netns", "exec", a, "ping", "-c", "1", "-W", "2", addressB)).contains("1 received");
    assertThat(NetnsHost.run("ip", "netns", "exec", b, "ping", "-c", "1", "-W", "2", address(result)))
        .contains("1 received");

    // the runtime's port mapping is the endpoint's binding, published at the join
    assertThat(node.api().getEndpoint(GetEndpointRequest.newBuilder().setNetwork("cninet")
        .setEndpoint("eth0.ctr-b" + RUN).build()).getPortMapList())
        .anySatisfy(p -> assertThat(List.of(p.getHostPort(), p.getContainerPort())).containsExactly(18431, 80));
    Sandbox sandbox = sandboxes().stream().filter(s -> s.getContainerId().equals("ctr-a" + RUN)).findFirst().orElseThrow();
    assertThat(sandbox.getExternalKey()).isEqualTo(nsPath(a));
    assertThat(sandbox.getLabelsMap()).containsEntry("K8S_POD_NAME", "pod-a");

    Outcome check = call("CHECK", "ctr-a" + RUN, nsPath(a), "eth0", config("cninet"));
    assertThat(check.exit).as(check.toString()).isZero();
    assertThat(check.out).isEmpty();

    Outcome del = call("DEL", "ctr-a" + RUN, nsPath(a), "eth0", config("cninet"));
    assertThat(del.exit).as(del.toString()).isZero();
    assertThat(del.out).isEmpty();
    Outcome again = call("DEL", "ctr-a" + RUN, nsPath(a), "eth0", config("cninet"));
    assertThat(again.exit).as(again.toString()).isZero();
    assertThat(sandboxes()).extracting(Sandbox::getContainerId).containsExactly("ctr-b" + RUN);
    assertThat(endpointCount()).isEqualTo(1);
    assertThat(NetnsHost.run("ip", "-n", a, "-o", "link", "show")).doesNotContain("eth0");

    Outcome checkGone = call("CHECK", "ctr-a" + RUN, nsPath(a), "eth0", config("cninet"));
    assertThat(checkGone.error()).as(checkGone.toString()).containsEntry("code", "3");
    assertThat(call("DEL", "ctr-b" + RUN, nsPath(b), "eth0", config("cninet")).exit).isZero();
    assertNothingLeft(a, b);
  }

  @Test
  void add_secondInterfaceThenCheck_interfaceRemovedBehindCnmsBack_failsNamingIt() throws Exception {
    String a = netns();
    Outcome add = call("ADD", "ctr-c" + RUN, nsPath(a), "eth0", config("cninet").replace("\"1.0.0\"", "\"0.4.0\""));
    assertThat(add.exit).as(add.toString()).isZero();
    assertThat(add.json().get("cniVersion").getAsString()).isEqualTo("0.4.0");
    assertThat(add.json().getAsJsonArray("ips").get(0).getAsJsonObject().get("version").getAsString()).isEqualTo("4");
    // a second attachment of the same container shares its sandbox; deleting it leaves the first
    Outcome second = call("ADD", "ctr-c" + RUN, nsPath(a), "eth1", config("cninet"));
    assertThat(second.exit).as(second.toString()).isZero();
    assertThat(second.json().getAsJsonArray("interfaces").get(0).getAsJsonObject().get("name").getAsString())
        .isEqualTo("eth1");
    assertThat(sandboxes()).hasSize(1);
    assertThat(call("DEL", "ctr-c" + RUN, nsPath(a), "eth1", config("cninet")).exit).isZero();
    assertThat(sandboxes()).hasSize(1);
    assertThat(NetnsHost.run("ip", "-n", a, "-o", "link", "show")).contains("eth0").doesNotContain("eth1");
    assertThat(call("CHECK", "ctr-c" + RUN, nsPath(a), "eth0", config("cninet")).exit).isZero();

    NetnsHost.run("ip", "-n", a, "link", "del", "eth0");
    Outcome check = call("CHECK", "ctr-c" + RUN, nsPath(a), "eth0", config("cninet"));
    assertThat(check.exit).isEqualTo(1);
    assertThat(check.error()).containsEntry("code", "101");
    assertThat(check.json().get("msg").getAsString()).contains("eth0").contains("missing");
    assertThat(call("DEL", "ctr-c" + RUN, nsPath(a), "eth0", config("cninet")).exit).isZero();
    assertNothingLeft(a);
  }

  @Test
  void gc_attachmentsTheRuntimeNoLongerLists_deleted_othersKept() throws Exception {
    String a = netns();
    String b = netns();
    String config = config("cninet").replace("\"1.0.0\"", "\"1.1.0\"");
    assertThat(call("ADD", "ctr-ga" + RUN, nsPath(a), "eth0", config).exit).isZero();
    assertThat(call("ADD", "ctr-gb" + RUN, nsPath(b), "eth0", config).exit).isZero();
    // the runtime was killed holding ctr-gb: after a restart it lists only ctr-ga
    String gcConfig = config.substring(0, config.length() - 1) + ",\"cni.dev/valid-attachments\":[{\"containerID\":\"ctr-ga"
        + RUN + "\",\"ifname\":\"eth0\"}]}";
    Outcome gc = call("GC", "", "", "", gcConfig);
    assertThat(gc.exit).as(gc.toString()).isZero();
    assertThat(sandboxes()).extracting(Sandbox::getContainerId).containsExactly("ctr-ga" + RUN);
    assertThat(endpointCount()).isEqualTo(1);
    assertThat(call("CHECK", "ctr-ga" + RUN, nsPath(a), "eth0", config).exit).isZero();
    assertThat(NetnsHost.run("ip", "-n", b, "-o", "link", "show")).doesNotContain("eth0");
    assertThat(call("GC", "", "", "", config).exit).as("an empty list: nothing is valid").isZero();
    assertNothingLeft(a, b);
  }

  @Test
  void status_agentAndNetworkThere_ready_elseCode50() throws Exception {
    String config = config("cninet").replace("\"1.0.0\"", "\"1.1.0\"");
    Outcome ready = call("STATUS", "", "", "", config);
    assertThat(ready.exit).as(ready.toString()).isZero();
    expectError(call("STATUS", "", "", "", config.replace("cninet", "no-such-net")), "50", "network");
    expectError(call("STATUS", "", "", "", config.replace(node.socket().resolveSibling("cni.sock").toString(),
        dir.resolve("nobody.sock").toString())), "50", "unreachable");
  }

  @Test
  void del_containerCnmNeverSaw_succeeds() throws Exception {
    Outcome del = call("DEL", "never-seen" + RUN, "", "eth0", config("cninet"));
    assertThat(del.exit).as(del.toString()).isZero();
    Outcome unknownNetwork = call("DEL", "never-seen" + RUN, "", "eth0", config("no-such-net"));
    assertThat(unknownNetwork.exit).as(unknownNetwork.toString()).isZero();
  }

  @Test
  void version_withoutAnAgent_listsTheSupportedVersions() throws Exception {
    Outcome v = call("VERSION", "", "", "", "{\"cniVersion\":\"1.0.0\"}");
    assertThat(v.exit).as(v.toString()).isZero();
    JsonArray versions = v.json().getAsJsonArray("supportedVersions");
    assertThat(versions.toString()).contains("\"0.4.0\"").contains("\"1.0.0\"");
  }

  @Test
  void add_badInputs_cniErrorWithTheSpecCodeNamingTheField_andNothingLeft() throws Exception {
    String a = netns();
    String id = "ctr-bad" + RUN;
    expectError(call("ADD", id, "", "eth0", config("cninet")), "4", "CNI_NETNS");
    expectError(call("ADD", "", nsPath(a), "eth0", config("cninet")), "4", "CNI_CONTAINERID");
    expectError(call("ADD", id, nsPath(a), "", config("cninet")), "4", "CNI_IFNAME");
    expectError(call("ADD", id, nsPath(a), "eth0", config("no-such-net")), "7", "network");
    expectError(call("ADD", id, "/run/netns/cnmt-absent-" + RUN, "eth0", config("cninet")), "4", "CNI_NETNS");
    expectError(call("ADD", id, dir.toString(), "eth0", config("cninet")), "4", "CNI_NETNS");
    // truncated: the script still finds the socket, the agent cannot decode the rest
    expectError(call("ADD", id, nsPath(a), "eth0", "{\"cniVersion\": \"1.0.0\", \"socket\": \""
        + node.socket().resolveSibling("cni.sock") + "\", \"network\": "), "6", "JSON");
    expectError(call("ADD", id, nsPath(a), "eth0", "{\"cniVersion\":\"1.0.0\",\"type\":\"cnm\",\"socket\":\""
        + node.socket().resolveSibling("cni.sock") + "\"}"), "7", "network");
    expectError(call("ADD", id, nsPath(a), "eth0", config("cninet").replace("\"1.0.0\"", "\"0.3.1\"")), "1",
        "cniVersion");
    expectError(call("ADD", id, nsPath(a), "eth0", withPorts(config("cninet"), "{\"hostPort\":8080,\"containerPort\":0}")),
        "7", "runtimeConfig.portMappings[0].containerPort");
    expectError(call("BOGUS", id, nsPath(a), "eth0", config("cninet")), "4", "CNI_COMMAND");
    // cnm names interfaces itself: a first attachment asked as eth1 is refused and undone
    expectError(call("ADD", id, nsPath(a), "eth1", config("cninet")), "4", "CNI_IFNAME");
    String unreachable = config("cninet").replace(node.socket().resolveSibling("cni.sock").toString(),
        dir.resolve("nobody.sock").toString());
    expectError(call("ADD", id, nsPath(a), "eth0", unreachable), "11", "unreachable");
    assertNothingLeft(a);
  }

  /** Result and error of one plugin run. */
  record Outcome(int exit, String out, String err) {
    JsonObject json() {
      return JsonParser.parseString(out).getAsJsonObject();
    }

    Map<String, String> error() {
      Map<String, String> e = new HashMap<>();
      json().entrySet().forEach(en -> e.put(en.getKey(), en.getValue().getAsString()));
      return e;
    }
  }

  private void expectError(Outcome o, String code, String field) {
    assertThat(o.exit).as(o.toString()).isEqualTo(1);
    Map<String, String> error = o.error();
    assertThat(error).as(o.toString()).containsEntry("code", code).containsKey("cniVersion");
    assertThat(error.get("msg")).as(o.toString()).contains(field);
  }

  /** Runs the plugin as a runtime does: a fresh environment with the CNI_* variables, the configuration on stdin. */
  private Outcome call(String command, String containerId, String netns, String ifname, String config)
      throws Exception {
    ProcessBuilder pb = new ProcessBuilder(plugin.toString());
    Map<String, String> env = pb.environment();
    env.clear();
    env.put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    env.put("CNI_COMMAND", command);
    env.put("CNI_CONTAINERID", containerId);
    env.put("CNI_NETNS", netns);
    env.put("CNI_IFNAME", ifname);
    env.put("CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=pod-" + containerId.replaceFirst(
        "^ctr-(\\w).*", "$1"));
    env.put("CNI_PATH", plugin.getParent().toString());
    Process p = pb.start();
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
    try (OutputStream in = p.getOutputStream()) {
      in.write(config.getBytes(StandardCharsets.UTF_8));
    }
    String out = read(p.getInputStream());
    assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("the plugin ran too long").isTrue();
    return new Outcome(p.exitValue(), out.strip(), err.get());
  }

  private static String read(InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private String config(String network) {
    return "{\"cniVersion\":\"1.0.0\",\"name\":\"cnmt\",\"type\":\"cnm\",\"network\":\"" + network
        + "\",\"socket\":\"" + node.socket().resolveSibling("cni.sock") + "\"}";
  }

  /** The configuration as a runtime passes it when the plugin has the portMappings capability. */
  private static String withPorts(String config, String... mappings) {
    return config.substring(0, config.length() - 1) + ",\"capabilities\":{\"portMappings\":true},"
        + "\"runtimeConfig\":{\"portMappings\":[" + String.join(",", mappings) + "]}}";
  }

  private String netns() throws Exception {
    String name = "cnmt-cni-" + UUID.randomUUID().toString().substring(0, 8);
    NetnsHost.run("ip", "netns", "add", name);
    namespaces.add(name);
    return name;
  }

  private static String nsPath(String name) {
    return "/run/netns/" + name;
  }

  private static String address(JsonObject result) {
    String cidr = result.getAsJsonArray("ips").get(0).getAsJsonObject().get("address").getAsString();
    return cidr.substring(0, cidr.indexOf('/'));
  }

  private List<Sandbox> sandboxes() {
    return node.api().listSandboxes(ListSandboxesRequest.getDefaultInstance()).getSandboxesList();
  }

  private int endpointCount() {
    return node.api().listEndpoints(ListEndpointsRequest.getDefaultInstance()).getEndpointsCount();
  }

  /** No sandbox, no endpoint in cnm; only loopback in the containers' namespaces; no veth on the host. */
  private void assertNothingLeft(String... containerNamespaces) throws Exception {
    assertThat(sandboxes()).isEmpty();
    assertThat(endpointCount()).isZero();
    for (String ns : containerNamespaces) {
      assertThat(NetnsHost.run("ip", "-n", ns, "-o", "link", "show").strip().lines()).hasSize(1)
          .allSatisfy(l -> assertThat(l).contains(": lo:"));
    }
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(node.host.exec("ip", "-o", "link", "show", "type", "veth")).isBlank());
  }
}
