package dev.cnm.cli.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Every value of the chart is documented: a comment above it in values.yaml, and a row in README.md. */
class HelmValuesDocumentationTest {
  private static final Path CHART = RepositoryFiles.resolve("deploy/helm/cnm");
  private static final Pattern KEY_WITH_VALUE = Pattern.compile("^(\\s*)([A-Za-z0-9_]+):\\s*(\\S.*)$");
  private static final Pattern SECTION = Pattern.compile("^(\\s*)([A-Za-z0-9_]+):\\s*$");

  /** The dotted paths of values.yaml's settings (keys with a value on their line). */
  private static List<String> settings(List<String> lines, List<String> undocumented) {
    List<String> paths = new ArrayList<>();
    List<String> stack = new ArrayList<>();
    String previous = "";
    for (String line : lines) {
      Matcher section = SECTION.matcher(line);
      Matcher setting = KEY_WITH_VALUE.matcher(line);
      Matcher key = section.matches() ? section : setting.matches() ? setting : null;
      if (key != null) {
        int depth = key.group(1).length() / 2;
        stack = new ArrayList<>(stack.subList(0, Math.min(depth, stack.size())));
        stack.add(key.group(2));
        if (key == setting) {
          paths.add(String.join(".", stack));
          if (!previous.trim().startsWith("#")) {
            undocumented.add(String.join(".", stack));
          }
        }
      }
      if (!line.isBlank()) {
        previous = line;
      }
    }
    return paths;
  }

  @Test
  void valuesYaml_everySettingHasACommentAbove() throws Exception {
    List<String> undocumented = new ArrayList<>();
    List<String> paths = settings(Files.readAllLines(CHART.resolve("values.yaml")), undocumented);
    assertThat(paths).hasSizeGreaterThan(40).contains("agent.privileged", "etcd.external.endpoints", "tls.enabled");
    assertThat(undocumented).as("settings without a comment line above them").isEmpty();
  }

  @Test
  void readme_listsEverySettingOfValuesYaml() throws Exception {
    List<String> paths = settings(Files.readAllLines(CHART.resolve("values.yaml")), new ArrayList<>());
    String readme = Files.readString(CHART.resolve("README.md"));
    assertThat(paths).allSatisfy(path -> assertThat(readme).as("README row for " + path).contains("| `" + path + "` |"));
  }

  @Test
  void valuesYaml_parsesAndSettingPathsResolve() throws Exception {
    Map<String, Object> values = YamlTree.document(Files.readString(CHART.resolve("values.yaml")));
    for (String path : settings(Files.readAllLines(CHART.resolve("values.yaml")), new ArrayList<>())) {
      assertThat((Object) YamlTree.at(values, path)).as(path).isNotNull();
    }
  }
}
