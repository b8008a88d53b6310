package dev.cnm.bench.dns;

import dev.cnm.api.v1.CreateEndpointRequest;
import dev.cnm.api.v1.CreateNetworkRequest;
import dev.cnm.api.v1.CreateSandboxRequest;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.GetEndpointRequest;
import dev.cnm.api.v1.GetSandboxRequest;
import dev.cnm.api.v1.IpamConfig;
import dev.cnm.api.v1.IpamPool;
import dev.cnm.api.v1.JoinRequest;
import dev.cnm.api.v1.Network;
import dev.cnm.api.v1.NetworkControllerGrpc;
import dev.cnm.api.v1.Sandbox;
import dev.cnm.runtime.Telemetry;
import dev.cnm.runtime.grpc.Channels;
import dev.cnm.runtime.grpc.ClientOptions;
import io.grpc.ManagedChannel;
import java.util.concurrent.TimeUnit;

/**
 * The cnm side of scripts/bench-dns.sh: through a running {@code cnm up}, one bridge network,
 * {@code --n} endpoints {@code <prefix>e<i>} with the alias {@code svc-<i>}, each joined to a
 * sandbox of its own (container id {@code <prefix>c<i>}, host name {@code h<i>}), and the
 * querying sandbox {@code <prefix>q} (endpoint {@code <prefix>q}) whose {@code dns_servers} is
 * {@code --upstream}. One JVM for all the calls: the CLI would start one per call.
 *
 * <p>Prints two lines for the script: {@code key=<the querying sandbox's namespace path>} and
 * {@code e0=<the IPv4 address of endpoint <prefix>e0>} (what its name must resolve to).
 *
 * <p>Usage: {@code DnsBenchSetup --target unix:/path/cnm.sock --n 25 --upstream 10.209.53.53
 * --prefix cnmbench-dns- --subnet 10.212.0.0/16 --bridge cnmbdns0}
 */
public final class DnsBenchSetup {
  private DnsBenchSetup() {}

  public static void main(String[] args) {
    String target = "unix:/run/cnm/cnm.sock";
    int n = 25;
    String upstream = null;
    String prefix = "cnmbench-dns-";
    String subnet = "10.212.0.0/16";
    String bridge = "cnmbdns0";
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--target" -> target = args[++i];
        case "--n" -> n = Integer.parseInt(args[++i]);
        case "--upstream" -> upstream = args[++i];
        case "--prefix" -> prefix = args[++i];
        case "--subnet" -> subnet = args[++i];
        case "--bridge" -> bridge = args[++i];
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (upstream == null) {
      throw new IllegalArgumentException("--upstream is required");
    }
    String net = prefix + "net";
    ManagedChannel channel = Channels.forTarget(target, ClientOptions.plaintext(Telemetry.noop()));
    try {
      NetworkControllerGrpc.NetworkControllerBlockingStub stub = NetworkControllerGrpc.newBlockingStub(channel);
      call(stub).createNetwork(CreateNetworkRequest.newBuilder().setNetwork(
          Network.newBuilder().setName(net).putOptions("bridge_name", bridge)
              .setIpam(IpamConfig.newBuilder().addIpv4(IpamPool.newBuilder().setSubnet(subnet)))).build());
      for (int i = 0; i < n; i++) {
        attach(stub, net, prefix + "e" + i, "svc-" + i, Sandbox.newBuilder()
            .setContainerId(prefix + "c" + i).setHostname("h" + i).build());
      }
      attach(stub, net, prefix + "q", null, Sandbox.newBuilder()
          .setContainerId(prefix + "q").setHostname("q").addDnsServers(upstream).build());
      Sandbox q = call(stub).getSandbox(GetSandboxRequest.newBuilder().setSandbox(prefix + "q").build());
      Endpoint e0 = call(stub).getEndpoint(GetEndpointRequest.newBuilder().setNetwork(net).setEndpoint(prefix + "e0").build());
      System.out.println("key=" + q.getKey());
      System.out.println("e0=" + e0.getIpv4Address().replaceFirst("/.*", ""));
    } finally {
      channel.shutdownNow();
    }
  }

  private static NetworkControllerGrpc.NetworkControllerBlockingStub call(
      NetworkControllerGrpc.NetworkControllerBlockingStub stub) {
    return stub.withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /** CreateEndpoint (with {@code alias} when not null), CreateSandbox, Join. */
  private static void attach(NetworkControllerGrpc.NetworkControllerBlockingStub stub, String net, String endpoint,
      String alias, Sandbox sandbox) {
    Endpoint.Builder ep = Endpoint.newBuilder().setName(endpoint);
    if (alias != null) {
      ep.addAliases(alias);
    }
    call(stub).createEndpoint(CreateEndpointRequest.newBuilder().setNetwork(net).setEndpoint(ep).build());
    call(stub).createSandbox(CreateSandboxRequest.newBuilder().setSandbox(sandbox).build());
    call(stub).join(JoinRequest.newBuilder().setNetwork(net).setEndpoint(endpoint)
        .setSandbox(sandbox.getContainerId()).build());
  }
}
