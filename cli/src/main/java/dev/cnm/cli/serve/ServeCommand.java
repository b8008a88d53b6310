package dev.cnm.cli.serve;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code cnm serve SERVICE}: runs one cnm service as its own process (for clusters). Each
 * service adds its ServeXxxCommand to {@code subcommands}.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Run one cnm service (store, ipam, controller, agent) as its own process.",
    subcommands = {ServeStoreCommand.class, ServeIpamCommand.class, ServeControllerCommand.class, ServeAgentCommand.class})
public final class ServeCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  /** Without a service name: show which services exist. */
  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return 2;
  }
}
