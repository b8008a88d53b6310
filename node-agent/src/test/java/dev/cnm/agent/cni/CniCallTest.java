package dev.cnm.agent.cni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class CniCallTest {
  private static final String CONFIG = "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"cnm\",\"network\":\"net1\"}";

  private static Map<String, String> env(String command) {
    Map<String, String> env = new HashMap<>();
    env.put("CNI_COMMAND", command);
    env.put("CNI_CONTAINERID", "c1");
    env.put("CNI_NETNS", "/run/netns/x");
    env.put("CNI_IFNAME", "eth0");
    return env;
  }

  private static void assertCode(ThrowingCallable call, int code, String inMessage) {
    assertThatThrownBy(call).isInstanceOfSatisfying(CniError.class, e -> {
      assertThat(e.code()).isEqualTo(code);
      assertThat(e.getMessage()).contains(inMessage);
    });
  }

  @Test
  void parse_fullAddCall_readsEnvironmentAndConfig() {
    Map<String, String> env = env("ADD");
    env.put("CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAME=web-0");
    CniCall call = CniCall.parse(env, CONFIG).require(true, true, true);
    assertThat(call.network()).isEqualTo("net1");
    assertThat(call.cniVersion()).isEqualTo("1.0.0");
    assertThat(call.args()).containsEntry("K8S_POD_NAME", "web-0").containsEntry("IgnoreUnknown", "1");
  }

  @Test
  void parse_badConfig_decodeOrConfigErrorNamingTheField() {
    assertCode(() -> CniCall.parse(env("ADD"), "{\"cniVersion\":"), CniError.DECODE_FAILURE, "JSON");
    assertCode(() -> CniCall.parse(env("ADD"), "[1]"), CniError.INVALID_CONFIG, "not a JSON object");
    assertCode(() -> CniCall.parse(env("ADD"), "{\"cniVersion\":\"1.0.0\"}"), CniError.INVALID_CONFIG, "network");
    assertCode(() -> CniCall.parse(env("ADD"), "{\"network\":\"n\"}"), CniError.INVALID_CONFIG, "cniVersion");
    assertCode(() -> CniCall.parse(env("ADD"), "{\"cniVersion\":\"1.0.0\",\"network\":7}"), CniError.INVALID_CONFIG,
        "network: must be a non-empty string");
    assertCode(() -> CniCall.parse(env("ADD"), CONFIG.replace("1.0.0", "0.3.1")), CniError.INCOMPATIBLE_VERSION,
        "cniVersion");
  }

  @Test
  void parse_badEnvironment_code4NamingTheVariable() {
    assertCode(() -> CniCall.parse(env(""), CONFIG), CniError.INVALID_ENVIRONMENT, "CNI_COMMAND");
    assertCode(() -> CniCall.parse(env("FROB"), CONFIG), CniError.INVALID_ENVIRONMENT, "CNI_COMMAND");
    Map<String, String> args = env("ADD");
    args.put("CNI_ARGS", "K8S_POD_NAME");
    assertCode(() -> CniCall.parse(args, CONFIG), CniError.INVALID_ENVIRONMENT, "CNI_ARGS");
    Map<String, String> id = env("ADD");
    id.put("CNI_CONTAINERID", "-bad/id");
    assertCode(() -> CniCall.parse(id, CONFIG).require(true, true, true), CniError.INVALID_ENVIRONMENT, "CNI_CONTAINERID");
    Map<String, String> netns = env("ADD");
    netns.remove("CNI_NETNS");
    assertCode(() -> CniCall.parse(netns, CONFIG).require(true, true, true), CniError.INVALID_ENVIRONMENT, "CNI_NETNS");
    // DEL does not need the namespace
    assertThat(CniCall.parse(netns, CONFIG).require(true, false, true).netns()).isEmpty();
  }

  @Test
  void versionOf_readableOrNot_configsVersionElseLatest() {
    assertThat(CniCall.versionOf("{\"cniVersion\":\"0.4.0\",\"network\":")).isEqualTo(CniVersions.LATEST);
    assertThat(CniCall.versionOf("{\"cniVersion\":\"0.4.0\"}")).isEqualTo("0.4.0");
    assertThat(CniCall.versionOf("[]")).isEqualTo(CniVersions.LATEST);
  }

  @Test
  void parse_version_readsNoConfig() {
    assertThat(CniCall.parse(env("VERSION"), "not json").cniVersion()).isEqualTo(CniVersions.LATEST);
  }

  @Test
  void endpointName_longContainerId_cutTo64Bytes() {
    String id = "a".repeat(64);
    assertThat(AttachmentNames.endpoint(id, "eth0")).hasSize(64).startsWith("eth0.aaa");
    assertThat(AttachmentNames.endpoint("c1", "eth0")).isEqualTo("eth0.c1");
  }

  @Test
  void portMappings_runtimeConfig_becomeBindings_badOnesNamed() {
    com.google.gson.JsonObject config = com.google.gson.JsonParser.parseString("{\"runtimeConfig\":{\"portMappings\":["
        + "{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\"},"
        + "{\"hostPort\":5353,\"containerPort\":53,\"protocol\":\"udp\",\"hostIP\":\"127.0.0.1\"}]}}").getAsJsonObject();
    var bindings = PortMappings.of(config);
    assertThat(bindings).hasSize(2);
    assertThat(bindings.get(0).getHostPort()).isEqualTo(8080);
    assertThat(bindings.get(0).getContainerPort()).isEqualTo(80);
    assertThat(bindings.get(1).getProtocol()).isEqualTo(dev.cnm.api.v1.Protocol.PROTOCOL_UDP);
    assertThat(bindings.get(1).getHostIp()).isEqualTo("127.0.0.1");
    assertThat(PortMappings.of(com.google.gson.JsonParser.parseString("{}").getAsJsonObject())).isEmpty();
    assertCode(() -> PortMappings.of(com.google.gson.JsonParser.parseString(
        "{\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":70000,\"containerPort\":80}]}}").getAsJsonObject()),
        CniError.INVALID_CONFIG, "runtimeConfig.portMappings[0].hostPort");
    assertCode(() -> PortMappings.of(com.google.gson.JsonParser.parseString(
        "{\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":1,\"containerPort\":80,\"protocol\":\"icmp\"}]}}")
        .getAsJsonObject()), CniError.INVALID_CONFIG, "runtimeConfig.portMappings[0].protocol");
  }

  @Test
  void validAttachments_listOrAbsent_pairsOrCode7() {
    assertThat(GarbageCollection.validAttachments(com.google.gson.JsonParser.parseString("{\"cni.dev/valid-attachments\":["
        + "{\"containerID\":\"c1\",\"ifname\":\"eth0\"}]}").getAsJsonObject())).containsExactly("c1/eth0");
    assertThat(GarbageCollection.validAttachments(new com.google.gson.JsonObject())).isEmpty();
    assertCode(() -> GarbageCollection.validAttachments(com.google.gson.JsonParser.parseString(
        "{\"cni.dev/valid-attachments\":[{\"containerID\":\"c1\"}]}").getAsJsonObject()), CniError.INVALID_CONFIG,
        "ifname");
  }
}
