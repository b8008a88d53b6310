package dev.cnm.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.cli.Cnm;
import dev.cnm.controller.sweep.IpamSweeper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class IpamSweepFlagTest {
  private static IpamSweepFlag parse(String... args) {
    ServeControllerCommand cmd = new ServeControllerCommand();
    new CommandLine(cmd).parseArgs(args);
    return cmd.ipamSweep;
  }

  @Test
  void interval_default_isTheNamedDefault() {
    assertThat(parse().interval()).isEqualTo(IpamSweeper.DEFAULT_INTERVAL).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void interval_given_isUsed() {
    assertThat(parse("--ipam-sweep-interval", "30").interval()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void interval_zero_isAUsageErrorNamingTheFlag() {
    StringWriter err = new StringWriter();
    CommandLine cli = Cnm.commandLine();
    cli.setErr(new PrintWriter(err, true));
    assertThat(cli.execute("serve", "controller", "--ipam-sweep-interval", "0")).isEqualTo(2);
    assertThat(err.toString()).contains("--ipam-sweep-interval: must be a positive number of seconds, not 0");
  }

  @Test
  void ipamSweep_help_namesDryRun() {
    StringWriter out = new StringWriter();
    CommandLine cli = Cnm.commandLine();
    cli.setOut(new PrintWriter(out, true));
    assertThat(cli.execute("ipam", "sweep", "--help")).isZero();
    assertThat(out.toString()).contains("--dry-run").contains("Free every address, VNI and pool");
  }
}
