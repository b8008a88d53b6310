package dev.cnm.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.cli.Cnm;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code cnm serve agent} refuses to start with an advertise address that is not on this host. */
class ServeAgentAdvertiseAddressIT {
  @TempDir
  Path dir;

  @Test
  void serveAgent_advertiseAddressNotOnThisHost_oneLineNamingTheFlagAndNonZeroExit() {
    StringWriter err = new StringWriter();
    CommandLine cli = Cnm.commandLine();
    cli.setErr(new PrintWriter(err, true));
    cli.setOut(new PrintWriter(new StringWriter(), true));
    Path state = dir.resolve("agent");
    // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never a real host's address
    int status = cli.execute("serve", "agent", "--controller", "127.0.0.1:1", "--node", "cnmt-n1",
        "--advertise-address", "192.0.2.123", "--state-dir", state.toString(), "--nft-table", "cnmt_adv");

    assertThat(status).isEqualTo(Cnm.FAILED);
    assertThat(err.toString()).startsWith("Error: FAILED_PRECONDITION: --advertise-address 192.0.2.123 is not an "
        + "address of this node").endsWith(System.lineSeparator());
    assertThat(err.toString().strip().lines()).hasSize(1);
    assertThat(Files.exists(state)).as("nothing was started").isFalse();
  }
}
