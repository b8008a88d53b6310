package dev.cnm.agent.sandboxfiles;

import dev.cnm.runtime.errors.CnmException;
import java.util.regex.Pattern;

/** Host and domain names as RFC 1123 allows them: dot-separated labels of letters, digits and '-'. */
final class HostNames {
  private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?");

  private HostNames() {}

  static String check(String field, String name) {
    if (name == null || name.isEmpty()) {
      throw CnmException.invalidArgument(field, "is missing");
    }
    if (name.length() > 253) {
      throw CnmException.invalidArgument(field, "'" + name + "' is longer than 253 characters");
    }
    String trimmed = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    for (String label : trimmed.split("\\.", -1)) {
      if (!LABEL.matcher(label).matches()) {
        throw CnmException.invalidArgument(field, "'" + name + "' is not a valid host name");
      }
    }
    return name;
  }
}
