package dev.cnm.cli.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;

/** Navigation over parsed YAML (maps and lists) with failures that say which path was missing. */
final class YamlTree {
  private YamlTree() {
  }

  /** Every non-empty document of a multi-document YAML text. */
  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> documents(String text) {
    List<Map<String, Object>> documents = new ArrayList<>();
    for (Object document : new org.yaml.snakeyaml.Yaml(new LoaderOptions()).loadAll(text)) {
      if (document != null) {
        documents.add((Map<String, Object>) document);
      }
    }
    return documents;
  }

  static Map<String, Object> document(String text) {
    List<Map<String, Object>> all = documents(text);
    if (all.size() != 1) {
      throw new AssertionError("expected one YAML document, got " + all.size());
    }
    return all.get(0);
  }

  /** The value at a dotted path, e.g. {@code spec.template.spec}; list items by index ({@code containers.0}). */
  @SuppressWarnings("unchecked")
  static <T> T at(Object node, String path) {
    Object current = node;
    for (String step : path.split("\\.")) {
      if (current instanceof Map<?, ?> map) {
        if (!map.containsKey(step)) {
          throw new AssertionError("no '" + step + "' in path '" + path + "'; keys: " + map.keySet());
        }
        current = map.get(step);
      } else if (current instanceof List<?> list) {
        current = list.get(Integer.parseInt(step));
      } else {
        throw new AssertionError("path '" + path + "' goes through a scalar at '" + step + "'");
      }
    }
    return (T) current;
  }

  static Map<String, Object> map(Object node, String path) {
    return at(node, path);
  }

  static List<Map<String, Object>> list(Object node, String path) {
    return at(node, path);
  }
}
