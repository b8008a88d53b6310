package dev.cnm.cli;

import dev.cnm.cli.api.EndpointCommand;
import dev.cnm.cli.api.IpamCommand;
import dev.cnm.cli.api.JoinCommand;
import dev.cnm.cli.api.LeaveCommand;
import dev.cnm.cli.api.NetworkCommand;
import dev.cnm.cli.api.NodeCommand;
import dev.cnm.cli.api.SandboxCommand;
import dev.cnm.cli.certs.CertsCommand;
import dev.cnm.cli.up.UpCommand;
import dev.cnm.cli.serve.ServeCommand;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code cnm}: the command line of the Container Network Model services. */
@Command(name = "cnm", mixinStandardHelpOptions = true, versionProvider = CnmVersion.class,
    description = "Docker libnetwork's Container Network Model as gRPC services.",
    subcommands = {ServeCommand.class, CertsCommand.class, UpCommand.class, NetworkCommand.class,
        EndpointCommand.class, SandboxCommand.class, JoinCommand.class, LeaveCommand.class, NodeCommand.class,
        IpamCommand.class})
public final class Cnm implements Callable<Integer> {
  /** Exit status of a command that failed (bad usage is picocli's 2). */
  public static final int FAILED = 1;

  @Spec
  CommandSpec spec;

  /** Without a command: show the commands. */
  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return 2;
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs {@code cnm args...} and returns the exit status (tests call this). */
  public static int run(String... args) {
    return commandLine().execute(args);
  }

  /** The configured command line: errors become one line on stderr and a non-zero status. */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Cnm());
    cli.setExecutionExceptionHandler(Cnm::handleExecutionException);
    return cli;
  }

  private static int handleExecutionException(Exception error, CommandLine command, CommandLine.ParseResult parsed) {
    PrintWriter err = command.getErr();
    err.println("Error: " + describe(error));
    if (System.getenv("CNM_DEBUG") != null) {
      error.printStackTrace(err); // CNM_DEBUG=1: the whole story, for bug reports
    }
    err.flush();
    return FAILED;
  }

  /**
   * {@code CODE: message} for a gRPC error (with the transport's reason when the client failed to
   * connect), else the message (or the exception's type).
   */
  static String describe(Throwable error) {
    Throwable cause = error;
    while (cause != null) {
      if (cause instanceof StatusRuntimeException grpc) {
        String description = grpc.getStatus().getDescription();
        // a transport failure ("io exception") says why only in its cause, e.g. a socket's
        // "connect(..) failed: Permission denied" for a user the socket's mode keeps out
        Throwable transport = grpc.getStatus().getCause();
        String why = transport == null || transport.getMessage() == null ? "" : " (" + transport.getMessage() + ")";
        return grpc.getStatus().getCode() + ": " + (description == null ? "(no message)" : description) + why;
      }
      cause = cause.getCause() == cause ? null : cause.getCause();
    }
    String message = error.getMessage();
    return message == null || message.isBlank() ? error.getClass().getSimpleName() : message;
  }
}
