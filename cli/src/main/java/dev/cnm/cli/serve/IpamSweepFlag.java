package dev.cnm.cli.serve;

import dev.cnm.controller.sweep.IpamSweeper;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code --ipam-sweep-interval SECONDS}, shared by {@code cnm serve controller} and {@code cnm up}. */
public final class IpamSweepFlag {
  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  private Duration interval = IpamSweeper.DEFAULT_INTERVAL;

  @Option(names = "--ipam-sweep-interval", paramLabel = "SECONDS",
      defaultValue = "${env:CNM_IPAM_SWEEP_INTERVAL:-" + IpamSweeper.DEFAULT_INTERVAL_SECONDS + "}",
      description = "While this controller holds the IPAM sweep lease, free what no network or endpoint in the "
          + "store owns at start and every SECONDS (env CNM_IPAM_SWEEP_INTERVAL; default ${DEFAULT-VALUE}).")
  void seconds(long seconds) {
    if (seconds <= 0) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--ipam-sweep-interval: must be a positive number of seconds, not " + seconds);
    }
    interval = Duration.ofSeconds(seconds);
  }

  public Duration interval() {
    return interval;
  }
}
