package dev.cnm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import org.junit.jupiter.api.Test;

class CnmTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @Command(name = "grpc-fails")
  static final class GrpcFails implements Runnable {
    @Override
    public void run() {
      throw Status.NOT_FOUND.withDescription("network n1 not found").asRuntimeException();
    }
  }

  @Command(name = "fails")
  static final class Fails implements Runnable {
    @Override
    public void run() {
      throw new IllegalArgumentException("--subnet: '10.0.0.0/33' is not a CIDR");
    }
  }

  private int run(String... args) {
    CommandLine cli = Cnm.commandLine()
        .addSubcommand(new GrpcFails())
        .addSubcommand(new Fails());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  @Test
  void version_printsProjectVersion() {
    int status = run("--version");

    assertThat(status).isZero();
    assertThat(out.toString()).startsWith("cnm 0.").doesNotContain("${project.version}");
  }

  @Test
  void execute_grpcError_oneLineWithCodeAndNonZeroExit() {
    int status = run("grpc-fails");

    assertThat(status).isEqualTo(Cnm.FAILED);
    assertThat(err.toString()).isEqualTo("Error: NOT_FOUND: network n1 not found" + System.lineSeparator());
  }

  @Test
  void execute_otherError_oneLineWithMessage() {
    int status = run("fails");

    assertThat(status).isEqualTo(Cnm.FAILED);
    assertThat(err.toString()).isEqualTo("Error: --subnet: '10.0.0.0/33' is not a CIDR" + System.lineSeparator());
  }

  @Test
  void execute_unknownCommand_usageErrorStatus() {
    assertThat(run("no-such-command")).isEqualTo(2);
    assertThat(err.toString()).contains("Unmatched argument");
  }

  @Test
  void execute_serveWithoutService_listsUsage() {
    assertThat(run("serve")).isEqualTo(2);
    assertThat(err.toString()).contains("Usage: cnm serve");
  }
}
