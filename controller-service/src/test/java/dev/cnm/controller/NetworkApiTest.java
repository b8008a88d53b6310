package dev.cnm.controller;

import static dev.cnm.controller.Api.assertFails;
import static dev.cnm.controller.Api.bridge;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.api.v1.CreateNetworkRequest;
import dev.cnm.api.v1.DeleteNetworkRequest;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.GetNetworkRequest;
import dev.cnm.api.v1.IpamConfig;
import dev.cnm.api.v1.IpamPool;
import dev.cnm.api.v1.ListDriversRequest;
import dev.cnm.api.v1.ListNetworksRequest;
import dev.cnm.api.v1.Network;
import io.grpc.Status;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NetworkApiTest {
  @TempDir Path dir;
  ControllerFixture f;

  @BeforeEach
  void start() throws Exception {
    f = new ControllerFixture(dir);
  }

  @AfterEach
  void stop() {
    f.close();
  }

  @Test
  void createNetwork_bridgeWithSubnet_allocatesGatewayAndIsFoundByIdPrefixAndName() {
    Network n = f.api.createNetwork(bridge("network1", "10.77.0.0/24"));
    assertThat(n.getId()).hasSize(64);
    assertThat(n.getIpam().getIpv4(0).getSubnet()).isEqualTo("10.77.0.0/24");
    assertThat(n.getIpam().getIpv4(0).getGateway()).isEqualTo("10.77.0.1");
    assertThat(n.getOptionsMap()).containsEntry("bridge_name", "cnmt" + Math.abs("network1".hashCode() % 100000))
        .containsEntry("enable_icc", "true");
    assertThat(f.api.getNetwork(GetNetworkRequest.newBuilder().setNetwork(n.getId().substring(0, 12)).build()).getId())
        .isEqualTo(n.getId());
    assertThat(f.api.getNetwork(GetNetworkRequest.newBuilder().setNetwork("network1").build()).getId())
        .isEqualTo(n.getId());
  }

  @Test
  void createNetwork_withoutSubnet_getsADefaultPool() {
    Network n = f.api.createNetwork(bridge("auto", null));
    assertThat(n.getIpam().getIpv4(0).getSubnet()).isNotEmpty();
    assertThat(n.getIpam().getIpv4(0).getGateway()).isNotEmpty();
  }

  @Test
  void createNetwork_dockerOptionKeys_areAcceptedUnderCnmNames() {
    Network n = f.api.createNetwork(CreateNetworkRequest.newBuilder().setNetwork(Network.newBuilder().setName("d")
        .putOptions("com.docker.network.bridge.name", "cnmtdocker")
        .putOptions("com.docker.network.driver.mtu", "1400")
        .putOptions("com.docker.network.bridge.enable_ip_masquerade", "false")
        .putOptions("com.docker.network.bridge.enable_icc", "false")
        .putOptions("com.docker.network.bridge.host_binding_ipv4", "127.0.0.1")).build());
    assertThat(n.getDriver()).isEqualTo("bridge");
    assertThat(n.getOptionsMap()).containsEntry("bridge_name", "cnmtdocker").containsEntry("mtu", "1400")
        .containsEntry("enable_ip_masquerade", "false").containsEntry("enable_icc", "false")
        .containsEntry("host_binding_ipv4", "127.0.0.1");
  }

  @Test
  void createNetwork_badInput_failsNamingTheFieldAndChangesNothing() {
    f.api.createNetwork(bridge("taken", "10.78.0.0/16"));
    assertFails(Status.Code.INVALID_ARGUMENT, "network.driver", () -> f.api.createNetwork(
        CreateNetworkRequest.newBuilder().setNetwork(Network.newBuilder().setName("x").setDriver("warp")).build()));
    assertFails(Status.Code.ALREADY_EXISTS, "network.name", () -> f.api.createNetwork(bridge("taken", "10.79.0.0/16")));
    assertFails(Status.Code.INVALID_ARGUMENT, "network.name", () -> f.api.createNetwork(bridge("", "10.79.0.0/16")));
    assertFails(Status.Code.INVALID_ARGUMENT, "network.name", () -> f.api.createNetwork(bridge("a".repeat(65), null)));
    assertFails(Status.Code.INVALID_ARGUMENT, "network.name", () -> f.api.createNetwork(bridge("a/b", null)));
    assertFails(Status.Code.FAILED_PRECONDITION, "network.ipam.ipv4[0].subnet",
        () -> f.api.createNetwork(bridge("over", "10.78.5.0/24")));
    assertFails(Status.Code.INVALID_ARGUMENT, "network.ipam.ipv4[0].gateway", () -> f.api.createNetwork(
        withPool("gw", IpamPool.newBuilder().setSubnet("10.80.0.0/24").setGateway("10.81.0.1"))));
    assertFails(Status.Code.INVALID_ARGUMENT, "network.ipam.ipv4[0].ip_range", () -> f.api.createNetwork(
        withPool("rng", IpamPool.newBuilder().setSubnet("10.80.0.0/24").setIpRange("10.80.1.0/25"))));
    assertFails(Status.Code.INVALID_ARGUMENT, "network.options[mtu]", () -> f.api.createNetwork(
        CreateNetworkRequest.newBuilder().setNetwork(Network.newBuilder().setName("m").putOptions("mtu", "9")).build()));
    assertThat(f.api.listNetworks(ListNetworksRequest.getDefaultInstance()).getNetworksList())
        .extracting(Network::getName).containsExactly("taken");
    // the failed requests left no pool behind: the subnets are still free
    assertThat(f.api.createNetwork(withPool("gw", IpamPool.newBuilder().setSubnet("10.80.0.0/24"))).getName())
        .isEqualTo("gw");
  }

  private static CreateNetworkRequest withPool(String name, IpamPool.Builder pool) {
    return CreateNetworkRequest.newBuilder().setNetwork(Network.newBuilder().setName(name)
        .setIpam(IpamConfig.newBuilder().addIpv4(pool))).build();
  }

  @Test
  void createNetwork_secondHostNetwork_isFailedPrecondition() {
    f.api.createNetwork(CreateNetworkRequest.newBuilder().setNetwork(Network.newBuilder().setName("host")
        .setDriver("host")).build());
    assertFails(Status.Code.FAILED_PRECONDITION, "network.driver", () -> f.api.createNetwork(
        CreateNetworkRequest.newBuilder().setNetwork(Network.newBuilder().setName("host2").setDriver("host")).build()));
  }

  @Test
  void listNetworks_filtersByNameDriverAndLabel_andPages() {
    f.api.createNetwork(CreateNetworkRequest.newBuilder().setNetwork(bridge("a", "10.90.1.0/24").getNetwork()
        .toBuilder().putLabels("team", "red")).build());
    f.api.createNetwork(bridge("b", "10.90.2.0/24"));
    f.api.createNetwork(CreateNetworkRequest.newBuilder().setNetwork(Network.newBuilder().setName("none")
        .setDriver("null")).build());
    assertThat(f.api.listNetworks(ListNetworksRequest.newBuilder().setDriver("bridge").build()).getNetworksList())
        .extracting(Network::getName).containsExactly("a", "b");
    assertThat(f.api.listNetworks(ListNetworksRequest.newBuilder().addLabels("team=red").build()).getNetworksList())
        .extracting(Network::getName).containsExactly("a");
    assertThat(f.api.listNetworks(ListNetworksRequest.newBuilder().setName("b").build()).getNetworksList())
        .extracting(Network::getName).containsExactly("b");
    var page1 = f.api.listNetworks(ListNetworksRequest.newBuilder().setPageSize(2).build());
    assertThat(page1.getNetworksList()).extracting(Network::getName).containsExactly("a", "b");
    var page2 = f.api.listNetworks(ListNetworksRequest.newBuilder().setPageSize(2)
        .setPageToken(page1.getNextPageToken()).build());
    assertThat(page2.getNetworksList()).extracting(Network::getName).containsExactly("none");
    assertThat(page2.getNextPageToken()).isEmpty();
  }

  @Test
  void deleteNetwork_withEndpoints_isFailedPrecondition_thenDeletesAndFreesTheSubnet() {
    f.api.createNetwork(bridge("n", "10.91.0.0/24"));
    Endpoint ep = f.api.createEndpoint(Api.endpoint("n", Endpoint.newBuilder().setName("e")));
    assertFails(Status.Code.FAILED_PRECONDITION, "active endpoints",
        () -> f.api.deleteNetwork(DeleteNetworkRequest.newBuilder().setNetwork("n").build()));
    f.api.deleteEndpoint(dev.cnm.api.v1.DeleteEndpointRequest.newBuilder().setNetwork("n").setEndpoint(ep.getId()).build());
    f.api.deleteNetwork(DeleteNetworkRequest.newBuilder().setNetwork("n").build());
    assertFails(Status.Code.NOT_FOUND, "network", () -> f.api.getNetwork(GetNetworkRequest.newBuilder().setNetwork("n").build()));
    assertThat(f.api.createNetwork(bridge("n", "10.91.0.0/24")).getIpam().getIpv4(0).getGateway()).isEqualTo("10.91.0.1");
  }

  @Test
  void listDrivers_namesBridgeHostNullOverlay() {
    assertThat(f.api.listDrivers(ListDriversRequest.getDefaultInstance()).getDriversList())
        .extracting(dev.cnm.api.v1.Driver::getName).containsExactly("bridge", "host", "null", "overlay");
  }
}
