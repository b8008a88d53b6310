package dev.cnm.cli.api;

import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.JoinRequest;
import dev.cnm.api.v1.JoinResponse;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cnm join ENDPOINT SANDBOX}: prints the endpoint's operational data. */
@Command(name = "join", mixinStandardHelpOptions = true,
    description = "Join an endpoint to a sandbox; prints its interface, addresses and port map.")
public final class JoinCommand implements Callable<Integer> {
  @Mixin ApiTarget api;
  @Mixin OutputFlag output;
  @Spec picocli.CommandLine.Model.CommandSpec spec;
  @Option(names = "--network", description = "The endpoint's network (needed when names repeat across networks).")
  String network = "";
  @Option(names = "--priority", description = "Join priority: the highest gives the default route (default 0).")
  int priority;
  @Parameters(index = "0", paramLabel = "ENDPOINT")
  String endpoint;
  @Parameters(index = "1", paramLabel = "SANDBOX")
  String sandbox;

  @Override
  public Integer call() {
    JoinResponse r;
    try (ApiTarget.Connection c = api.connect()) {
      r = c.stub().join(JoinRequest.newBuilder().setNetwork(network).setEndpoint(endpoint).setSandbox(sandbox)
          .setPriority(priority).build());
    }
    output.get().list(spec.commandLine().getOut(), List.of(r.getEndpoint()),
        new Output.Column<>("ENDPOINT", Endpoint::getName),
        new Output.Column<>("INTERFACE", Endpoint::getInterfaceName),
        new Output.Column<>("MAC", Endpoint::getMacAddress),
        new Output.Column<>("IPV4", Endpoint::getIpv4Address),
        new Output.Column<>("GATEWAY", Endpoint::getGatewayIpv4),
        new Output.Column<>("IPV6", Endpoint::getIpv6Address),
        new Output.Column<>("PORTS", EndpointCommand::ports));
    return 0;
  }
}
