package dev.cnm.cli.api;

import dev.cnm.api.v1.CreateSandboxRequest;
import dev.cnm.api.v1.DeleteSandboxRequest;
import dev.cnm.api.v1.GetSandboxRequest;
import dev.cnm.api.v1.HostEntry;
import dev.cnm.api.v1.ListSandboxesRequest;
import dev.cnm.api.v1.ListSandboxesResponse;
import dev.cnm.api.v1.Sandbox;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cnm sandbox create|ls|inspect|rm}. */
@Command(name = "sandbox", mixinStandardHelpOptions = true, description = "Manage sandboxes (containers' network stacks).",
    subcommands = {SandboxCommand.Create.class, SandboxCommand.Ls.class, SandboxCommand.Inspect.class,
        SandboxCommand.Rm.class})
public final class SandboxCommand implements Callable<Integer> {
  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return 2;
  }

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a sandbox; prints its id.")
  static final class Create implements Callable<Integer> {
    @Mixin ApiTarget api;
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Option(names = "--node", description = "The node (default: the only registered one).")
    String node = "";
    @Option(names = "--hostname", description = "Host name inside the sandbox.")
    String hostname = "";
    @Option(names = "--domainname", description = "Domain name inside the sandbox.")
    String domain = "";
    @Option(names = "--dns", paramLabel = "IP", description = "Name server; repeatable.")
    List<String> dns = new ArrayList<>();
    @Option(names = "--dns-search", paramLabel = "DOMAIN", description = "Search domain; repeatable.")
    List<String> search = new ArrayList<>();
    @Option(names = "--dns-option", paramLabel = "OPT", description = "resolv.conf option; repeatable.")
    List<String> dnsOptions = new ArrayList<>();
    @Option(names = "--add-host", paramLabel = "HOST:IP", description = "Extra /etc/hosts line; repeatable.")
    List<String> hosts = new ArrayList<>();
    @Option(names = "--external-key", paramLabel = "NETNS_PATH",
        description = "Use this namespace (made by a container runtime) instead of making one.")
    String externalKey = "";
    @Option(names = "--host-network", description = "Use the node's own network namespace (Docker's --network "
        + "host): only endpoints of a host network can join the sandbox, and it joins no other network.")
    boolean hostNetwork;
    @Option(names = "--label", paramLabel = "KEY=VALUE", description = "Label; repeatable.")
    List<String> labels;
    @Option(names = "--output", paramLabel = "table|json", defaultValue = "table",
        description = "table prints the id, json the sandbox.")
    String output;
    @Parameters(paramLabel = "CONTAINER_ID")
    String containerId;

    @Override
    public Integer call() {
      Sandbox.Builder s = Sandbox.newBuilder().setContainerId(containerId).setNode(node).setHostname(hostname)
          .setDomainName(domain).addAllDnsServers(dns).addAllDnsSearch(search).addAllDnsOptions(dnsOptions)
          .setExternalKey(externalKey).setHostNetwork(hostNetwork).putAllLabels(KeyValues.parse("--label", labels));
      for (String h : hosts) {
        int colon = h.indexOf(':');
        if (colon <= 0) {
          throw new IllegalArgumentException("--add-host: expected HOST:IP, got " + h);
        }
        s.addExtraHosts(HostEntry.newBuilder().setHostname(h.substring(0, colon)).setAddress(h.substring(colon + 1)));
      }
      try (ApiTarget.Connection c = api.connect()) {
        Sandbox created = c.stub().createSandbox(CreateSandboxRequest.newBuilder().setSandbox(s).build());
        Output.parse(output).created(spec.commandLine().getOut(), created, created.getId());
      }
      return 0;
    }
  }

  @Command(name = "ls", aliases = "list", mixinStandardHelpOptions = true, description = "List sandboxes.")
  static final class Ls implements Callable<Integer> {
    @Mixin ApiTarget api;
    @Mixin OutputFlag output;
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Option(names = "--node", description = "Only this node's sandboxes.")
    String node = "";

    @Override
    public Integer call() {
      List<Sandbox> all;
      try (ApiTarget.Connection c = api.connect()) {
        all = Paging.all(token -> {
          ListSandboxesResponse r = c.stub().listSandboxes(ListSandboxesRequest.newBuilder().setNode(node)
              .setPageToken(token).build());
          return new Paging.Page<>(r.getSandboxesList(), r.getNextPageToken());
        });
      }
      output.get().list(spec.commandLine().getOut(), all,
          new Output.Column<>("SANDBOX ID", s -> s.getId().substring(0, 12)),
          new Output.Column<>("CONTAINER", Sandbox::getContainerId),
          new Output.Column<>("NODE", Sandbox::getNode),
          new Output.Column<>("HOSTNAME", Sandbox::getHostname),
          new Output.Column<>("ENDPOINTS", s -> Integer.toString(s.getEndpointIdsCount())),
          new Output.Column<>("KEY", Sandbox::getKey));
      return 0;
    }
  }

  @Command(name = "inspect", mixinStandardHelpOptions = true, description = "Show sandboxes as JSON.")
  static final class Inspect implements Callable<Integer> {
    @Mixin ApiTarget api;
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Parameters(paramLabel = "SANDBOX", arity = "1..*", description = "Id, id prefix or container id.")
    List<String> refs;

    @Override
    public Integer call() {
      try (ApiTarget.Connection c = api.connect()) {
        for (String r : refs) {
          Output.JSON.one(spec.commandLine().getOut(),
              c.stub().getSandbox(GetSandboxRequest.newBuilder().setSandbox(r).build()));
        }
      }
      return 0;
    }
  }

  @Command(name = "rm", aliases = "remove", mixinStandardHelpOptions = true,
      description = "Delete sandboxes (their endpoints leave first).")
  static final class Rm implements Callable<Integer> {
    @Mixin ApiTarget api;
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Parameters(paramLabel = "SANDBOX", arity = "1..*")
    List<String> refs;

    @Override
    public Integer call() {
      try (ApiTarget.Connection c = api.connect()) {
        for (String r : refs) {
          c.stub().deleteSandbox(DeleteSandboxRequest.newBuilder().setSandbox(r).build());
          spec.commandLine().getOut().println(r);
        }
      }
      return 0;
    }
  }
}
