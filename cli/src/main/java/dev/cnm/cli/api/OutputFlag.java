package dev.cnm.cli.api;

import picocli.CommandLine.Option;

/** {@code -o table|json}; use as {@code @Mixin OutputFlag output;}. */
public final class OutputFlag {
  @Option(names = {"-o", "--output"}, paramLabel = "table|json", defaultValue = "table",
      description = "Output format (default ${DEFAULT-VALUE}).")
  String output;

  public Output get() {
    return Output.parse(output);
  }
}
