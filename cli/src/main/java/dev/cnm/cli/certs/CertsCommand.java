package dev.cnm.cli.certs;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code cnm certs}: a small CA for cnm's mTLS (services, node agents, operators). */
@Command(name = "certs", mixinStandardHelpOptions = true,
    description = "Create a certificate authority and issue service, node and admin certificates for mTLS.",
    subcommands = {CertsInitCommand.class, CertsIssueCommand.class})
public final class CertsCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  /** Without a subcommand: show the two there are, as a usage error. */
  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return 2;
  }
}
