package dev.cnm.cli.deploy;

import static dev.cnm.cli.deploy.YamlTree.at;
import static dev.cnm.cli.deploy.YamlTree.map;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** deploy/compose validated by Debian's docker-compose (offline: `config` needs no engine). */
class ComposeFileTest {
  private static final String DOCKER_COMPOSE = "/usr/bin/docker-compose";
  private static final Path COMPOSE_DIR = RepositoryFiles.resolve("deploy/compose");
  private static final Path BASE = COMPOSE_DIR.resolve("docker-compose.yml");
  private static final Path TLS = COMPOSE_DIR.resolve("docker-compose.tls.yml");

  @TempDir
  Path temp;

  @BeforeAll
  static void dockerComposeInstalled() {
    ProcessRunner.requireProgram(DOCKER_COMPOSE, "docker-compose");
  }

  private static ProcessRunner.Result compose(Map<String, String> env, String subcommand, Path... files)
      throws Exception {
    List<String> command = new ArrayList<>(List.of(DOCKER_COMPOSE, "--no-ansi"));
    for (Path file : files) {
      command.add("-f");
      command.add(file.toString());
    }
    command.add("config");
    if (!subcommand.isEmpty()) {
      command.add(subcommand);
    }
    return ProcessRunner.run(command, COMPOSE_DIR, env, 60);
  }

  private static Map<String, Object> resolved(Map<String, String> env, Path... files) throws Exception {
    ProcessRunner.Result result = compose(env, "", files);
    assertThat(result.exitCode()).as(result.output()).isZero();
    // docker-compose may warn on stderr (merged): keep from the YAML's first line on.
    String output = result.output();
    return YamlTree.document(output.substring(output.indexOf("services:")));
  }

  @Test
  void configQuiet_baseAndTlsOverride_areValid() throws Exception {
    ProcessRunner.Result base = compose(Map.of(), "-q", BASE);
    assertThat(base.exitCode()).as(base.output()).isZero();
    ProcessRunner.Result withTls = compose(Map.of(), "-q", BASE, TLS);
    assertThat(withTls.exitCode()).as(withTls.output()).isZero();
  }

  @Test
  void configQuiet_unknownKey_failsNamingIt() throws Exception {
    Path broken = temp.resolve("docker-compose.yml");
    Files.writeString(broken, Files.readString(BASE).replace("    user: root\n", "    user: root\n    priviledged: true\n"));
    ProcessRunner.Result result = compose(Map.of(), "-q", broken);
    assertThat(result.exitCode()).isNotZero();
    assertThat(result.output()).contains("priviledged");
  }

  @Test
  void config_hasEveryServiceWithHealthChecks() throws Exception {
    Map<String, Object> services = map(resolved(Map.of(), BASE), "services");
    assertThat(services).containsOnlyKeys("etcd", "store", "ipam", "controller", "agent");
    for (String name : services.keySet()) {
      List<String> test = at(services.get(name), "healthcheck.test");
      assertThat(test).as(name).first().isEqualTo("CMD");
    }
    assertThat((List<String>) at(services, "store.command"))
        .containsSequence("--backend", "etcd").containsSequence("--etcd-endpoints", "http://etcd:2379");
    assertThat((Integer) at(services, "store.deploy.replicas")).isEqualTo(2);
    assertThat((List<String>) at(services, "controller.command"))
        .containsSequence("--store", "store:7370").containsSequence("--ipam", "ipam:7371");
    // without TLS the services must trust their TCP callers, and the file says so explicitly
    for (String service : List.of("store", "ipam", "controller")) {
      assertThat(map(services, service + ".environment")).as(service).containsEntry("CNM_INSECURE_TCP", "true");
    }
  }

  @Test
  void config_etcdKeepsItsDataOnANamedVolume() throws Exception {
    Map<String, Object> config = resolved(Map.of(), BASE);
    assertThat(map(config, "volumes")).containsKey("etcd-data");
    assertThat((List<String>) at(config, "services.etcd.volumes")).contains("etcd-data:/var/lib/etcd:rw");
  }

  @Test
  void config_agentHasOnlyNetAdminAndSysAdminOnHostNetworkWithSharedDirectories() throws Exception {
    Map<String, Object> agent = map(resolved(Map.of(), BASE), "services.agent");
    assertThat(agent).containsEntry("network_mode", "host").doesNotContainKey("privileged")
        .containsEntry("user", "root").doesNotContainKey("ports");
    assertThat((List<String>) agent.get("cap_drop")).containsExactly("ALL");
    assertThat((List<String>) agent.get("cap_add")).containsExactlyInAnyOrder("NET_ADMIN", "SYS_ADMIN");
    assertThat((List<String>) agent.get("security_opt")).containsExactlyInAnyOrder("apparmor=unconfined",
        "systempaths=unconfined");
    assertThat((List<String>) agent.get("volumes")).contains("/run/cnm:/run/cnm:rw",
        "/var/run/netns:/var/run/netns:rshared", "/var/lib/cnm:/var/lib/cnm:rshared");
    assertThat((List<String>) agent.get("command")).containsSequence("--controller", "127.0.0.1:7372")
        .containsSequence("--state-dir", "/var/lib/cnm");
  }

  @Test
  void configWithTls_storeReachesEtcdOverTlsWithClientCertificate() throws Exception {
    Map<String, Object> services = map(resolved(Map.of(), BASE, TLS), "services");
    assertThat((List<String>) at(services, "store.command")).containsSequence("--etcd-endpoints", "https://etcd:2379");
    assertThat(map(services, "store.environment"))
        .containsEntry("CNM_ETCD_CA", "/etc/cnm/pki/ca.crt")
        .containsEntry("CNM_ETCD_CERT", "/etc/cnm/pki/service-cnm.crt")
        .containsEntry("CNM_ETCD_KEY", "/etc/cnm/pki/service-cnm.key")
        .containsEntry("CNM_TLS_CA", "/etc/cnm/pki/ca.crt")
        .containsEntry("CNM_LOG_FORMAT", "json");
    for (String service : List.of("store", "ipam", "controller")) {
      assertThat(map(services, service + ".environment")).as(service).containsEntry("CNM_INSECURE_TCP", "false");
    }
    assertThat((List<String>) at(services, "etcd.command")).contains("--client-cert-auth",
        "--listen-client-urls=https://0.0.0.0:2379", "--trusted-ca-file=/etc/cnm/pki/ca.crt",
        "--cert-file=/etc/cnm/pki/service-etcd.crt");
    assertThat((List<String>) at(services, "etcd.healthcheck.test")).contains("--cacert=/etc/cnm/pki/ca.crt");
    assertThat((List<String>) at(services, "etcd.volumes")).contains("etcd-data:/var/lib/etcd:rw");
  }

  @Test
  void config_nodeNameFromEnvironment_reachesAgentAndItsCertificate() throws Exception {
    Map<String, Object> services = map(resolved(Map.of("CNM_NODE_NAME", "rack7-host3"), BASE, TLS), "services");
    assertThat((List<String>) at(services, "agent.command")).containsSequence("--node", "rack7-host3");
    assertThat(map(services, "agent.environment"))
        .containsEntry("CNM_TLS_CERT", "/etc/cnm/pki/node-rack7-host3.crt")
        .containsEntry("CNM_METRICS_LISTEN", "127.0.0.1:9473");
    assertThat(map(services, "controller.environment"))
        .containsEntry("CNM_TLS_CA", "/etc/cnm/pki/ca.crt").containsEntry("CNM_LOG_FORMAT", "json");
  }
}
