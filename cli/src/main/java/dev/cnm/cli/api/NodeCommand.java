package dev.cnm.cli.api;

import dev.cnm.api.v1.ListNodesRequest;
import dev.cnm.api.v1.Node;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** {@code cnm node ls}. */
@Command(name = "node", mixinStandardHelpOptions = true, description = "Show nodes.",
    subcommands = NodeCommand.Ls.class)
public final class NodeCommand implements Callable<Integer> {
  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return 2;
  }

  @Command(name = "ls", aliases = "list", mixinStandardHelpOptions = true, description = "List nodes.")
  static final class Ls implements Callable<Integer> {
    @Mixin ApiTarget api;
    @Mixin OutputFlag output;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      try (ApiTarget.Connection c = api.connect()) {
        output.get().list(spec.commandLine().getOut(), c.stub().listNodes(ListNodesRequest.getDefaultInstance())
                .getNodesList(),
            new Output.Column<>("NODE", Node::getName),
            new Output.Column<>("STATUS", n -> n.getStatus().name().replace("NODE_STATUS_", "")),
            new Output.Column<>("ADVERTISE ADDRESS", Node::getAdvertiseAddress),
            new Output.Column<>("CAPABILITIES", n -> String.join(",", n.getCapabilitiesList())),
            new Output.Column<>("ACKED VERSION", n -> Long.toString(n.getAckedVersion())));
      }
      return 0;
    }
  }
}
