package dev.cnm.agent.cni;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.cnm.agent.localapi.HttpResponse;
import dev.cnm.agent.localapi.LocalApiServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped plugin script against a real local API server: what reaches the agent is exactly
 * the runtime's environment and stdin, whatever characters they hold, and the exit status and
 * output follow the agent's answer. Needs sh and curl (Debian packages dash and curl).
 */
class CniScriptTest {
  @TempDir Path dir;
  Path script;

  @BeforeEach
  void copyScript() throws Exception {
    if (!Files.isExecutable(Path.of("/usr/bin/curl"))) {
      throw new AssertionError("/usr/bin/curl is missing: install the Debian package curl");
    }
    script = dir.resolve("cnm");
    try (InputStream in = getClass().getResourceAsStream("/dev/cnm/agent/cni/cnm")) {
      Files.copy(in, script);
    }
  }

  private record Run(int exit, String out) {}

  private Run run(Map<String, String> env, String stdin) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("sh", script.toString()).redirectError(ProcessBuilder.Redirect.DISCARD);
    pb.environment().clear();
    pb.environment().put("PATH", "/usr/bin:/bin");
    pb.environment().putAll(env);
    Process p = pb.start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), out.strip());
  }

  private String config(Path socket) {
    return "{\"cniVersion\":\"1.0.0\",\"type\":\"cnm\",\"socket\":\"" + socket + "\",\"network\":\"n\"}\n";
  }

  @Test
  void call_awkwardValues_reachTheAgentUnchanged() throws Exception {
    Path socket = dir.resolve("cni.sock");
    AtomicReference<Map<String, String>> seen = new AtomicReference<>();
    AtomicReference<String> body = new AtomicReference<>();
    String weird = "a b&c=d;e%f+g\"h'i$j\\k\nl";
    try (LocalApiServer server = LocalApiServer.builder().route("POST", CniRoutes.PATH, r -> {
      seen.set(CniRoutes.VARIABLES.stream().collect(Collectors.toMap(v -> v, r::param)));
      body.set(r.bodyText());
      return HttpResponse.json(200, "{\"ok\":true}");
    }).start(socket)) {
      Run r = run(Map.of("CNI_COMMAND", "ADD", "CNI_CONTAINERID", "c1", "CNI_NETNS", "/proc/1/ns/net",
          "CNI_IFNAME", "eth0", "CNI_ARGS", weird, "CNI_PATH", "/opt/cni/bin:/usr/lib/cni"), config(socket));
      assertThat(r.exit()).isZero();
      assertThat(r.out()).isEqualTo("{\"ok\":true}");
    }
    assertThat(seen.get()).containsEntry("CNI_COMMAND", "ADD").containsEntry("CNI_ARGS", weird)
        .containsEntry("CNI_PATH", "/opt/cni/bin:/usr/lib/cni").containsEntry("CNI_NETNS", "/proc/1/ns/net");
    assertThat(body.get().strip()).isEqualTo(config(socket).strip());
  }

  @Test
  void call_configStartingWithAt_sentAsData_notReadAsAFile() throws Exception {
    Path socket = dir.resolve("cni.sock");
    AtomicReference<String> body = new AtomicReference<>();
    try (LocalApiServer server = LocalApiServer.builder().route("POST", CniRoutes.PATH, r -> {
      body.set(r.bodyText());
      return HttpResponse.json(200, "{}");
    }).start(socket)) {
      String config = "@/etc/hostname \"socket\": \"" + socket + "\"";
      assertThat(run(Map.of("CNI_COMMAND", "ADD"), config).exit()).isZero();
      assertThat(body.get().strip()).isEqualTo(config);
    }
  }

  @Test
  void call_largeConfig_sentWhole() throws Exception {
    Path socket = dir.resolve("cni.sock");
    AtomicReference<String> body = new AtomicReference<>();
    try (LocalApiServer server = LocalApiServer.builder().route("POST", CniRoutes.PATH, r -> {
      body.set(r.bodyText());
      return HttpResponse.json(200, "{}");
    }).start(socket)) {
      String config = config(socket).strip().replace("}", ",\"prevResult\":\"" + "x".repeat(300_000) + "\"}");
      assertThat(run(Map.of("CNI_COMMAND", "ADD"), config + "\n").exit()).isZero();
      assertThat(body.get().strip()).isEqualTo(config);
    }
  }

  @Test
  void call_agentAnswersError_printsItAndExits1() throws Exception {
    Path socket = dir.resolve("cni.sock");
    String error = "{\"cniVersion\":\"1.0.0\",\"code\":7,\"msg\":\"network: no cnm network\"}";
    try (LocalApiServer server = LocalApiServer.builder()
        .route("POST", CniRoutes.PATH, r -> HttpResponse.json(400, error)).start(socket)) {
      Run r = run(Map.of("CNI_COMMAND", "ADD"), config(socket));
      assertThat(r.exit()).isEqualTo(1);
      assertThat(r.out()).isEqualTo(error);
    }
  }

  @Test
  void call_noAgent_code11() throws Exception {
    Run r = run(Map.of("CNI_COMMAND", "DEL"), config(dir.resolve("absent.sock")));
    assertThat(r.exit()).isEqualTo(1);
    JsonObject e = JsonParser.parseString(r.out()).getAsJsonObject();
    assertThat(e.get("code").getAsInt()).isEqualTo(CniError.TRY_AGAIN_LATER);
    assertThat(e.get("msg").getAsString()).contains("absent.sock");
  }

  @Test
  void version_answeredByTheScript_listsCniVersionsSupported() throws Exception {
    Run r = run(Map.of("CNI_COMMAND", "VERSION"), "{\"cniVersion\":\"1.0.0\"}");
    assertThat(r.exit()).isZero();
    JsonObject v = JsonParser.parseString(r.out()).getAsJsonObject();
    assertThat(v.getAsJsonArray("supportedVersions").asList()).map(j -> j.getAsString())
        .containsExactlyElementsOf(CniVersions.SUPPORTED);
  }
}
