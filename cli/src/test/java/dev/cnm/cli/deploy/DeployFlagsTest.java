package dev.cnm.cli.deploy;

import static dev.cnm.cli.deploy.YamlTree.at;
import static dev.cnm.cli.deploy.YamlTree.list;
import static dev.cnm.cli.deploy.YamlTree.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.marcnuri.helm.Helm;
import dev.cnm.cli.Cnm;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The compose file and the Helm chart start the real `cnm` command line: every argument they
 * pass parses as `cnm serve ...`, and every CNM_ variable they set is one a flag reads.
 */
class DeployFlagsTest {
  /** What Kubernetes substitutes for the Downward API variables the chart's agent args use. */
  private static final Map<String, String> KUBERNETES_ENV = Map.of("$(NODE_NAME)", "node-1", "$(NODE_IP)", "192.0.2.10");

  private static void assertParses(String where, List<String> args) {
    List<String> expanded = new ArrayList<>();
    for (String arg : args) {
      String value = arg;
      for (Map.Entry<String, String> variable : KUBERNETES_ENV.entrySet()) {
        value = value.replace(variable.getKey(), variable.getValue());
      }
      expanded.add(value);
    }
    assertThat(expanded).as(where).startsWith("serve");
    assertThatCode(() -> Cnm.commandLine().parseArgs(expanded.toArray(String[]::new)))
        .as(where + ": cnm " + String.join(" ", expanded)).doesNotThrowAnyException();
  }

  /** Every CNM_ variable some option of `cnm serve <component>` reads as its default. */
  private static Set<String> environmentOf(String component) {
    CommandLine serve = Cnm.commandLine().getSubcommands().get("serve").getSubcommands().get(component);
    assertThat(serve).as("cnm serve " + component).isNotNull();
    // Read the defaults as written (${env:CNM_X:-...}), not resolved against this JVM's environment.
    serve.getCommandSpec().interpolateVariables(false);
    Set<String> names = new TreeSet<>();
    for (OptionSpec option : serve.getCommandSpec().options()) {
      String defaultValue = option.defaultValue();
      if (defaultValue != null && defaultValue.startsWith("${env:")) {
        names.add(defaultValue.substring("${env:".length()).split("[:}]")[0]);
      }
    }
    return names;
  }

  @Test
  void compose_everyCommandParsesAndEveryVariableIsRead() throws Exception {
    ProcessRunner.requireProgram("/usr/bin/docker-compose", "docker-compose");
    ProcessRunner.Result config = ProcessRunner.run(List.of("/usr/bin/docker-compose", "--no-ansi",
        "-f", "docker-compose.yml", "-f", "docker-compose.tls.yml", "config"),
        RepositoryFiles.resolve("deploy/compose"), Map.of(), 60);
    assertThat(config.exitCode()).as(config.output()).isZero();
    Map<String, Object> services = map(YamlTree.document(
        config.output().substring(config.output().indexOf("services:"))), "services");
    for (String component : List.of("store", "ipam", "controller", "agent")) {
      assertParses("compose " + component, at(services, component + ".command"));
      Map<String, Object> environment = map(services, component + ".environment");
      assertThat(environmentOf(component)).as("compose " + component + " environment")
          .containsAll(environment.keySet());
    }
  }

  @Test
  void helm_everyContainerArgsParseAndEveryConfigMapVariableIsRead() {
    List<Map<String, Object>> objects = YamlTree.documents(new Helm(RepositoryFiles.resolve("deploy/helm/cnm"))
        .template().withName("cnm").withNamespace("net").set("tls.enabled", "true")
        .set("tls.existingSecret", "pki").call());
    Map<String, Object> configMap = null;
    int workloads = 0;
    for (Map<String, Object> object : objects) {
      String kind = (String) object.get("kind");
      if ("ConfigMap".equals(kind)) {
        configMap = map(object, "data");
      }
      if (("Deployment".equals(kind) || "DaemonSet".equals(kind))) {
        Map<String, Object> container = list(object, "spec.template.spec.containers").get(0);
        assertParses("helm " + at(object, "metadata.name"), at(container, "args"));
        workloads++;
      }
    }
    assertThat(workloads).isEqualTo(4);
    assertThat(configMap).isNotNull();
    for (String component : List.of("store", "ipam", "controller", "agent")) {
      assertThat(environmentOf(component)).as("helm ConfigMap variables read by " + component)
          .containsAll(configMap.keySet());
    }
  }
}
