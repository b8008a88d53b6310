package dev.cnm.cli.api;

import dev.cnm.api.v1.InspectNodeRequest;
import dev.cnm.api.v1.ListNodesRequest;
import dev.cnm.api.v1.Node;
import dev.cnm.api.v1.NodeDiagnosticsGrpc;
import dev.cnm.api.v1.NodeInspection;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cnm node ls}, {@code cnm node inspect NODE}. */
@Command(name = "node", mixinStandardHelpOptions = true, description = "Show nodes.",
    subcommands = {NodeCommand.Ls.class, NodeCommand.Inspect.class})
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

  @Command(name = "inspect", mixinStandardHelpOptions = true,
      description = "Show a node's desired state (what the controller sent) next to its actual state "
          + "(what its agent last reported: acked version, per-object results, errors).")
  static final class Inspect implements Callable<Integer> {
    @Mixin ApiTarget api;
    @Mixin OutputFlag output;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NODE", description = "The node's name.")
    String node;

    @Override
    public Integer call() {
      try (ApiTarget.Connection c = api.connect()) {
        NodeInspection inspection = NodeDiagnosticsGrpc.newBlockingStub(c.channel())
            .withDeadlineAfter(c.timeoutSeconds(), TimeUnit.SECONDS)
            .inspectNode(InspectNodeRequest.newBuilder().setNode(node).build());
        if (output.get() == Output.JSON) {
          Output.JSON.one(spec.commandLine().getOut(), inspection);
        } else {
          NodeInspectionText.print(spec.commandLine().getOut(), inspection);
        }
      }
      return 0;
    }
  }
}
