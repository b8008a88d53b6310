package dev.cnm.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.api.v1.CreateEndpointRequest;
import dev.cnm.api.v1.CreateNetworkRequest;
import dev.cnm.api.v1.DeleteEndpointRequest;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.Freed;
import dev.cnm.api.v1.IpamConfig;
import dev.cnm.api.v1.IpamGrpc;
import dev.cnm.api.v1.IpamPool;
import dev.cnm.api.v1.ListEndpointsRequest;
import dev.cnm.api.v1.ListNetworksRequest;
import dev.cnm.api.v1.Network;
import dev.cnm.api.v1.NetworkControllerGrpc;
import dev.cnm.api.v1.SweepIpamRequest;
import dev.cnm.api.v1.SweepRequest;
import dev.cnm.cli.Cnm;
import dev.cnm.runtime.Telemetry;
import dev.cnm.runtime.grpc.Channels;
import dev.cnm.runtime.grpc.ClientOptions;
import io.grpc.ManagedChannel;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * kill -9 of a real {@code cnm serve controller} process, many times, while clients create and
 * delete endpoints: each kill can land between an address's allocation in IPAM and the
 * endpoint's commit to the store (or between a delete's commit and the release). Then the
 * controller's IPAM sweep runs, and IPAM's allocations are exactly the store's owners: every
 * leak freed, no live address freed.
 */
class IpamSweepKillPackagedIT {
  private static final int ROUNDS = 10;
  private static final int CLIENTS = 6;

  @TempDir Path dir;
  NetnsHost host;
  final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    channels.forEach(ManagedChannel::shutdownNow);
    if (host != null) {
      host.close();
    }
  }

  private String socket(String name) {
    return "unix:" + dir.resolve(name + ".sock");
  }

  private ManagedChannel channel(String name) {
    ManagedChannel c = Channels.forTarget(socket(name), ClientOptions.plaintext(Telemetry.noop()));
    channels.add(c);
    return c;
  }

  private Process startController() throws Exception {
    // a long interval: the sweeps that run are the ones each new lease holder runs at start
    return host.cnm("controller.log", "serve", "controller", "--store", socket("store"), "--ipam", socket("ipam"),
        "--listen", socket("controller"), "--ipam-sweep-interval", "3600");
  }

  private NetworkControllerGrpc.NetworkControllerBlockingStub awaitServing() {
    var api = NetworkControllerGrpc.newBlockingStub(channel("controller"));
    Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
        .until(() -> api.withDeadlineAfter(2, TimeUnit.SECONDS).listNetworks(ListNetworksRequest.getDefaultInstance())
            != null);
    return api;
  }

  @Test
  void killControllerBetweenAllocationAndCommit_thenSweep_ipamHoldsExactlyTheStoresOwners() throws Exception {
    host = new NetnsHost(dir);
    host.cnm("store.log", "serve", "store", "--backend", "embedded", "--data-dir", dir.resolve("store").toString(),
        "--listen", socket("store"));
    host.cnm("ipam.log", "serve", "ipam", "--store", socket("store"), "--listen", socket("ipam"));
    Process controller = startController();
    var api = awaitServing();
    Network net = api.withDeadlineAfter(30, TimeUnit.SECONDS).createNetwork(CreateNetworkRequest.newBuilder()
        .setNetwork(Network.newBuilder().setName("net1").setDriver("bridge")
            .putOptions("com.docker.network.bridge.name", "cnmtsw0")
            .setIpam(IpamConfig.newBuilder().addIpv4(IpamPool.newBuilder().setSubnet("10.233.0.0/16")))).build());

    AtomicInteger created = new AtomicInteger();
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    try {
      for (int round = 0; round < ROUNDS; round++) {
        var roundApi = api;
        AtomicBoolean stop = new AtomicBoolean();
        List<java.util.concurrent.Future<?>> load = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
          String prefix = "e" + round + "-" + c + "-";
          load.add(clients.submit(() -> {
            for (int i = 0; !stop.get(); i++) {
              try {
                Endpoint ep = roundApi.withDeadlineAfter(5, TimeUnit.SECONDS).createEndpoint(
                    CreateEndpointRequest.newBuilder().setNetwork("net1")
                        .setEndpoint(Endpoint.newBuilder().setName(prefix + i)).build());
                created.incrementAndGet();
                if (ThreadLocalRandom.current().nextBoolean()) {
                  roundApi.withDeadlineAfter(5, TimeUnit.SECONDS).deleteEndpoint(DeleteEndpointRequest.newBuilder()
                      .setNetwork("net1").setEndpoint(ep.getId()).build());
                }
              } catch (RuntimeException e) {
                // the controller died under the call
              }
            }
          }));
        }
        Thread.sleep(300 + ThreadLocalRandom.current().nextInt(1200));
        NetnsHost.kill9(controller);
        stop.set(true);
        for (var f : load) {
          f.get(30, TimeUnit.SECONDS);
        }
        controller = startController();
        api = awaitServing();
      }
    } finally {
      clients.shutdownNow();
    }
    assertThat(created.get()).as("endpoints created under load").isGreaterThan(ROUNDS);

    // a controller that died holding the sweep lease keeps it one ttl: until then this replica
    // answers FAILED_PRECONDITION; then it takes the lease and sweeps
    var last = api;
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
        .until(() -> last.withDeadlineAfter(30, TimeUnit.SECONDS).sweepIpam(SweepIpamRequest.getDefaultInstance())
            != null);
    String log = host.log("controller.log");
    assertThat(log).as("the kills left allocations no store object owns, and sweeps freed them")
        .contains("IPAM sweep freed");

    // IPAM's allocations (a dry run with no live owner lists them all) against the store's owners
    var ipam = IpamGrpc.newBlockingStub(channel("ipam")).withDeadlineAfter(30, TimeUnit.SECONDS);
    Set<String> held = new TreeSet<>();
    Set<String> ipamOwners = new TreeSet<>();
    for (Freed f : ipam.sweep(SweepRequest.newBuilder().setDryRun(true).build()).getFreedList()) {
      ipamOwners.add(f.getOwner());
      if (f.getWhatCase() == Freed.WhatCase.ADDRESS) {
        held.add(f.getAddress() + " " + f.getOwner());
      }
    }
    Set<String> storeOwners = new TreeSet<>();
    Set<String> expected = new TreeSet<>();
    storeOwners.add(net.getId());
    expected.add(net.getIpam().getIpv4(0).getGateway() + " " + net.getId());
    String token = "";
    do {
      var page = last.withDeadlineAfter(30, TimeUnit.SECONDS)
          .listEndpoints(ListEndpointsRequest.newBuilder().setPageSize(1000).setPageToken(token).build());
      for (Endpoint ep : page.getEndpointsList()) {
        storeOwners.add(ep.getId());
        expected.add(ep.getIpv4Address().substring(0, ep.getIpv4Address().indexOf('/')) + " " + ep.getId());
      }
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    assertThat(storeOwners.size()).as("endpoints survived").isGreaterThan(1);
    assertThat(ipamOwners).as("no leak").isEqualTo(storeOwners);
    assertThat(held).as("every live endpoint's address held by it, nothing else").isEqualTo(expected);

    // `cnm ipam sweep --dry-run` through the controller: nothing left to free
    StringWriter out = new StringWriter();
    CommandLine cli = Cnm.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(out, true));
    assertThat(cli.execute("ipam", "sweep", "--dry-run", "-H", socket("controller"))).as(out.toString()).isZero();
    assertThat(out.toString()).contains("would free 0; kept the allocations of " + storeOwners.size());
  }
}
