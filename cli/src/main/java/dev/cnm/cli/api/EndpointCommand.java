package dev.cnm.cli.api;

import dev.cnm.api.v1.CreateEndpointRequest;
import dev.cnm.api.v1.DeleteEndpointRequest;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.GetEndpointRequest;
import dev.cnm.api.v1.ListEndpointsRequest;
import dev.cnm.api.v1.ListEndpointsResponse;
import dev.cnm.api.v1.PortBinding;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cnm endpoint create|ls|inspect|rm}. */
@Command(name = "endpoint", mixinStandardHelpOptions = true, description = "Manage endpoints.",
    subcommands = {EndpointCommand.Create.class, EndpointCommand.Ls.class, EndpointCommand.Inspect.class,
        EndpointCommand.Rm.class})
public final class EndpointCommand implements Callable<Integer> {
  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return 2;
  }

  /** "tcp 0.0.0.0:49153->80" per published port. */
  static String ports(Endpoint e) {
    return e.getPortMapList().stream().map(EndpointCommand::port).collect(Collectors.joining(", "));
  }

  static String port(PortBinding b) {
    String proto = switch (b.getProtocol()) {
      case PROTOCOL_UDP -> "udp";
      case PROTOCOL_SCTP -> "sctp";
      default -> "tcp";
    };
    return b.getHostIp() + ":" + b.getHostPort() + "->" + b.getContainerPort() + "/" + proto;
  }

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create an endpoint; prints its id.")
  static final class Create implements Callable<Integer> {
    @Mixin ApiTarget api;
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Option(names = "--ip", paramLabel = "IPV4", description = "Static IPv4 address.")
    String ip = "";
    @Option(names = "--ip6", paramLabel = "IPV6", description = "Static IPv6 address.")
    String ip6 = "";
    @Option(names = "--mac", paramLabel = "MAC", description = "MAC address.")
    String mac = "";
    @Option(names = "--alias", description = "DNS alias; repeatable.")
    List<String> aliases = new ArrayList<>();
    @Option(names = "--expose", paramLabel = "PORT[/PROTO]", description = "Exposed port; repeatable.")
    List<String> exposed = new ArrayList<>();
    @Option(names = {"-p", "--publish"}, paramLabel = "[IP:][HOST[-END]:]PORT[/PROTO]",
        description = "Port binding; repeatable. No host port: one is chosen at join.")
    List<String> publish = new ArrayList<>();
    @Option(names = {"-o", "--opt"}, paramLabel = "KEY=VALUE", description = "Endpoint option; repeatable.")
    List<String> options;
    @Option(names = "--output", paramLabel = "table|json", defaultValue = "table",
        description = "table prints the id, json the endpoint.")
    String output;
    @Parameters(index = "0", paramLabel = "NETWORK")
    String network;
    @Parameters(index = "1", paramLabel = "NAME")
    String name;

    @Override
    public Integer call() {
      Endpoint.Builder e = Endpoint.newBuilder().setName(name).setIpv4Address(ip).setIpv6Address(ip6)
          .setMacAddress(mac).addAllAliases(aliases).putAllOptions(KeyValues.parse("--opt", options));
      exposed.forEach(p -> e.addExposedPorts(PortSpecs.exposed(p)));
      publish.forEach(p -> e.addPortBindings(PortSpecs.binding(p)));
      try (ApiTarget.Connection c = api.connect()) {
        Endpoint created = c.stub().createEndpoint(CreateEndpointRequest.newBuilder().setNetwork(network)
            .setEndpoint(e).build());
        Output.parse(output).created(spec.commandLine().getOut(), created, created.getId());
      }
      return 0;
    }
  }

  @Command(name = "ls", aliases = "list", mixinStandardHelpOptions = true, description = "List endpoints.")
  static final class Ls implements Callable<Integer> {
    @Mixin ApiTarget api;
    @Mixin OutputFlag output;
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Parameters(arity = "0..1", paramLabel = "NETWORK", description = "Only this network's endpoints.")
    String network = "";

    @Override
    public Integer call() {
      List<Endpoint> all;
      try (ApiTarget.Connection c = api.connect()) {
        all = Paging.all(token -> {
          ListEndpointsResponse r = c.stub().listEndpoints(ListEndpointsRequest.newBuilder().setNetwork(network)
              .setPageToken(token).build());
          return new Paging.Page<>(r.getEndpointsList(), r.getNextPageToken());
        });
      }
      output.get().list(spec.commandLine().getOut(), all,
          new Output.Column<>("ENDPOINT ID", e -> e.getId().substring(0, 12)),
          new Output.Column<>("NAME", Endpoint::getName),
          new Output.Column<>("NETWORK", Endpoint::getNetworkName),
          new Output.Column<>("IPV4", Endpoint::getIpv4Address),
          new Output.Column<>("MAC", Endpoint::getMacAddress),
          new Output.Column<>("SANDBOX", e -> e.getSandboxId().isEmpty() ? "" : e.getSandboxId().substring(0, 12)),
          new Output.Column<>("PORTS", EndpointCommand::ports));
      return 0;
    }
  }

  @Command(name = "inspect", mixinStandardHelpOptions = true, description = "Show endpoints as JSON.")
  static final class Inspect implements Callable<Integer> {
    @Mixin ApiTarget api;
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Option(names = "--network", description = "The endpoint's network (needed when names repeat across networks).")
    String network = "";
    @Parameters(paramLabel = "ENDPOINT", arity = "1..*")
    List<String> refs;

    @Override
    public Integer call() {
      try (ApiTarget.Connection c = api.connect()) {
        for (String r : refs) {
          Output.JSON.one(spec.commandLine().getOut(), c.stub().getEndpoint(GetEndpointRequest.newBuilder()
              .setNetwork(network).setEndpoint(r).build()));
        }
      }
      return 0;
    }
  }

  @Command(name = "rm", aliases = "remove", mixinStandardHelpOptions = true, description = "Delete endpoints.")
  static final class Rm implements Callable<Integer> {
    @Mixin ApiTarget api;
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Option(names = "--network", description = "The endpoints' network.")
    String network = "";
    @Option(names = {"-f", "--force"}, description = "Leave the sandbox first if joined.")
    boolean force;
    @Parameters(paramLabel = "ENDPOINT", arity = "1..*")
    List<String> refs;

    @Override
    public Integer call() {
      try (ApiTarget.Connection c = api.connect()) {
        for (String r : refs) {
          c.stub().deleteEndpoint(DeleteEndpointRequest.newBuilder().setNetwork(network).setEndpoint(r)
              .setForce(force).build());
          spec.commandLine().getOut().println(r);
        }
      }
      return 0;
    }
  }
}
