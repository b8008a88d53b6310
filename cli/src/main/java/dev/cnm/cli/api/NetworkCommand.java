package dev.cnm.cli.api;

import dev.cnm.api.v1.CreateNetworkRequest;
import dev.cnm.api.v1.DeleteNetworkRequest;
import dev.cnm.api.v1.GetNetworkRequest;
import dev.cnm.api.v1.IpamConfig;
import dev.cnm.api.v1.IpamPool;
import dev.cnm.api.v1.ListNetworksRequest;
import dev.cnm.api.v1.ListNetworksResponse;
import dev.cnm.api.v1.Network;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cnm network create|ls|inspect|rm}. */
@Command(name = "network", mixinStandardHelpOptions = true, description = "Manage networks.",
    subcommands = {NetworkCommand.Create.class, NetworkCommand.Ls.class, NetworkCommand.Inspect.class,
        NetworkCommand.Rm.class})
public final class NetworkCommand implements Callable<Integer> {
  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return 2;
  }

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a network; prints its id.")
  static final class Create implements Callable<Integer> {
    @Mixin ApiTarget api;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = {"-d", "--driver"}, defaultValue = "bridge", description = "Driver (default ${DEFAULT-VALUE}).")
    String driver;
    @Option(names = "--subnet", paramLabel = "CIDR", description = "IPv4 (or, with --ipv6, IPv6) subnet; repeatable.")
    List<String> subnets = new ArrayList<>();
    @Option(names = "--gateway", paramLabel = "IP", description = "Gateway of the subnet at the same position.")
    List<String> gateways = new ArrayList<>();
    @Option(names = "--ip-range", paramLabel = "CIDR", description = "Allocate endpoint addresses from this sub-range.")
    List<String> ranges = new ArrayList<>();
    @Option(names = "--ipam-address-space", paramLabel = "NAME", defaultValue = "",
        description = "IPAM address space of the network's pools (default: the driver scope's default space; "
            + "others must be configured with 'cnm serve ipam --address-space NAME'). Networks in different "
            + "spaces may share a subnet.")
    String addressSpace;
    @Option(names = "--ipv6", description = "Enable IPv6.")
    boolean ipv6;
    @Option(names = "--internal", description = "No egress from the network.")
    boolean internal;
    @Option(names = "--attachable", description = "Mark the network attachable.")
    boolean attachable;
    @Option(names = "--output", paramLabel = "table|json", defaultValue = "table",
        description = "table prints the id, json the network.")
    String output;
    @Option(names = {"-o", "--opt"}, paramLabel = "KEY=VALUE", description = "Driver option; repeatable.")
    List<String> options;
    @Option(names = "--label", paramLabel = "KEY=VALUE", description = "Label; repeatable.")
    List<String> labels;
    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    public Integer call() {
      IpamConfig.Builder ipam = IpamConfig.newBuilder().setAddressSpace(addressSpace);
      for (int i = 0; i < subnets.size(); i++) {
        IpamPool.Builder p = IpamPool.newBuilder().setSubnet(subnets.get(i));
        if (i < gateways.size()) {
          p.setGateway(gateways.get(i));
        }
        if (i < ranges.size()) {
          p.setIpRange(ranges.get(i));
        }
        if (subnets.get(i).contains(":")) {
          ipam.addIpv6(p);
        } else {
          ipam.addIpv4(p);
        }
      }
      Network.Builder n = Network.newBuilder().setName(name).setDriver(driver).setIpam(ipam).setEnableIpv6(ipv6)
          .setInternal(internal).setAttachable(attachable).putAllOptions(KeyValues.parse("--opt", options))
          .putAllLabels(KeyValues.parse("--label", labels));
      try (ApiTarget.Connection c = api.connect()) {
        Network created = c.stub().createNetwork(CreateNetworkRequest.newBuilder().setNetwork(n).build());
        Output.parse(output).created(spec.commandLine().getOut(), created, created.getId());
      }
      return 0;
    }
  }

  @Command(name = "ls", aliases = "list", mixinStandardHelpOptions = true, description = "List networks.")
  static final class Ls implements Callable<Integer> {
    @Mixin ApiTarget api;
    @Mixin OutputFlag output;
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Option(names = "--filter", paramLabel = "name=N|driver=D|label=K[=V]", description = "Filter; repeatable.")
    List<String> filters = new ArrayList<>();

    @Override
    public Integer call() {
      ListNetworksRequest.Builder req = ListNetworksRequest.newBuilder();
      for (String f : filters) {
        if (f.startsWith("name=")) {
          req.setName(f.substring(5));
        } else if (f.startsWith("driver=")) {
          req.setDriver(f.substring(7));
        } else if (f.startsWith("label=")) {
          req.addLabels(f.substring(6));
        } else {
          throw new IllegalArgumentException("--filter: expected name=, driver= or label=, got " + f);
        }
      }
      List<Network> all;
      try (ApiTarget.Connection c = api.connect()) {
        all = Paging.all(token -> {
          ListNetworksResponse r = c.stub().listNetworks(req.setPageToken(token).build());
          return new Paging.Page<>(r.getNetworksList(), r.getNextPageToken());
        });
      }
      output.get().list(spec.commandLine().getOut(), all,
          new Output.Column<>("NETWORK ID", n -> n.getId().substring(0, 12)),
          new Output.Column<>("NAME", Network::getName),
          new Output.Column<>("DRIVER", Network::getDriver),
          new Output.Column<>("SUBNET", n -> n.getIpam().getIpv4Count() > 0 ? n.getIpam().getIpv4(0).getSubnet() : ""),
          new Output.Column<>("GATEWAY", n -> n.getIpam().getIpv4Count() > 0 ? n.getIpam().getIpv4(0).getGateway() : ""));
      return 0;
    }
  }

  @Command(name = "inspect", mixinStandardHelpOptions = true, description = "Show networks as JSON.")
  static final class Inspect implements Callable<Integer> {
    @Mixin ApiTarget api;
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Parameters(paramLabel = "NETWORK", arity = "1..*", description = "Id, id prefix (>= 12) or name.")
    List<String> refs;

    @Override
    public Integer call() {
      try (ApiTarget.Connection c = api.connect()) {
        for (String r : refs) {
          Output.JSON.one(spec.commandLine().getOut(),
              c.stub().getNetwork(GetNetworkRequest.newBuilder().setNetwork(r).build()));
        }
      }
      return 0;
    }
  }

  @Command(name = "rm", aliases = "remove", mixinStandardHelpOptions = true, description = "Delete networks.")
  static final class Rm implements Callable<Integer> {
    @Mixin ApiTarget api;
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Parameters(paramLabel = "NETWORK", arity = "1..*")
    List<String> refs;

    @Override
    public Integer call() {
      try (ApiTarget.Connection c = api.connect()) {
        for (String r : refs) {
          c.stub().deleteNetwork(DeleteNetworkRequest.newBuilder().setNetwork(r).build());
          spec.commandLine().getOut().println(r);
        }
      }
      return 0;
    }
  }
}
