package dev.cnm.controller;

import static dev.cnm.controller.Api.assertFails;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.api.v1.CreateNetworkRequest;
import dev.cnm.api.v1.DeleteNetworkRequest;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.IpamGrpc;
import dev.cnm.api.v1.ListNetworksRequest;
import dev.cnm.api.v1.ListPoolsRequest;
import dev.cnm.api.v1.Network;
import dev.cnm.api.v1.Pool;
import dev.cnm.ipam.domain.IpamConfig;
import io.grpc.Status;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Overlay networks in operator-defined IPAM address spaces (the same subnet in two spaces) and
 * VNIs given by number below IPAM's automatic range.
 */
class OverlayAddressSpacesTest {
  @TempDir Path dir;
  ControllerFixture f;
  IpamGrpc.IpamBlockingStub ipam;

  @BeforeEach
  void start() throws Exception {
    f = new ControllerFixture(dir, IpamConfig.defaults().withExtraSpaces(List.of("blue", "red")));
    ipam = IpamGrpc.newBlockingStub(f.ipamChannel);
  }

  @AfterEach
  void stop() {
    f.close();
  }

  private static CreateNetworkRequest overlayIn(String name, String space, String subnet) {
    CreateNetworkRequest req = OverlayNetworkApiTest.overlay(name, subnet, Map.of());
    Network.Builder n = req.getNetwork().toBuilder();
    n.getIpamBuilder().setAddressSpace(space);
    return CreateNetworkRequest.newBuilder().setNetwork(n).build();
  }

  private List<Network> networks() {
    return f.api.listNetworks(ListNetworksRequest.getDefaultInstance()).getNetworksList();
  }

  private List<Pool> pools() {
    return ipam.listPools(ListPoolsRequest.getDefaultInstance()).getPoolsList();
  }

  private Endpoint endpoint(String network, String name) {
    return f.api.createEndpoint(Api.endpoint(network, Endpoint.newBuilder().setName(name)));
  }

  @Test
  void create_sameSubnetInTwoSpaces_bothExist_andEachEndpointGetsAnAddressOfItsOwnPool() {
    Network blue = f.api.createNetwork(overlayIn("ov-blue", "blue", "10.220.0.0/24"));
    Network red = f.api.createNetwork(overlayIn("ov-red", "red", "10.220.0.0/24"));
    assertThat(blue.getIpam().getAddressSpace()).isEqualTo("blue");
    assertThat(blue.getIpam().getIpv4(0).getPoolId()).isEqualTo("blue/10.220.0.0/24");
    assertThat(red.getIpam().getIpv4(0).getPoolId()).isEqualTo("red/10.220.0.0/24");
    assertThat(blue.getOptionsOrThrow("vxlan_id")).isNotEqualTo(red.getOptionsOrThrow("vxlan_id"));
    // the same subnet is also still free in the global default space
    Network global = f.api.createNetwork(OverlayNetworkApiTest.overlay("ov-global", "10.220.0.0/24", Map.of()));
    assertThat(global.getIpam().getAddressSpace()).isEqualTo("GlobalDefault");

    Endpoint b1 = endpoint("ov-blue", "b1");
    Endpoint r1 = endpoint("ov-red", "r1");
    Endpoint r2 = endpoint("ov-red", "r2");
    assertThat(b1.getIpv4Address()).startsWith("10.220.0.").endsWith("/24");
    assertThat(r1.getIpv4Address()).startsWith("10.220.0.").endsWith("/24");
    // each pool hands out its own addresses: the first endpoint of each gets the same one
    assertThat(r1.getIpv4Address()).isEqualTo(b1.getIpv4Address());
    assertThat(r2.getIpv4Address()).startsWith("10.220.0.").isNotEqualTo(r1.getIpv4Address());
    assertThat(pools()).filteredOn(p -> p.getId().equals("red/10.220.0.0/24")).singleElement()
        .satisfies(p -> assertThat(p.getAllocated()).isEqualTo(3)); // gateway and two endpoints
  }

  @Test
  void create_sameSubnetTwiceInOneSpace_isAlreadyExists_andNothingIsKept() {
    f.api.createNetwork(overlayIn("ov1", "blue", "10.221.0.0/24"));
    assertFails(Status.Code.ALREADY_EXISTS, "network.ipam.ipv4[0].subnet",
        () -> f.api.createNetwork(overlayIn("ov2", "blue", "10.221.0.0/24")));
    assertThat(networks()).extracting(Network::getName).containsExactly("ov1");
    assertThat(pools()).extracting(Pool::getId).containsExactly("blue/10.221.0.0/24");
  }

  @Test
  void create_withoutSubnetInAnExtraSpace_takesThatSpacesDefaultPool() {
    Network n = f.api.createNetwork(overlayIn("ov", "blue", null));
    assertThat(n.getIpam().getIpv4(0).getPoolId()).isEqualTo("blue/10.0.0.0/24");
  }

  @Test
  void create_unconfiguredSpace_isInvalidArgumentNamingTheField_andNothingIsAllocated() {
    assertFails(Status.Code.INVALID_ARGUMENT, "network.ipam.address_space",
        () -> f.api.createNetwork(overlayIn("ov", "green", "10.222.0.0/24")));
    assertThat(networks()).isEmpty();
    assertThat(pools()).isEmpty();
  }

  @Test
  void delete_networkInAnExtraSpace_releasesItsPool() {
    f.api.createNetwork(overlayIn("ov", "red", "10.223.0.0/24"));
    f.api.deleteNetwork(DeleteNetworkRequest.newBuilder().setNetwork("ov").build());
    assertThat(pools()).isEmpty();
    assertThat(f.api.createNetwork(overlayIn("ov", "red", "10.223.0.0/24")).getIpam().getIpv4(0).getPoolId())
        .isEqualTo("red/10.223.0.0/24");
  }

  @Test
  void create_vniBelowTheAutomaticRange_isTakenByNumber_andASecondUseIsAlreadyExists() {
    Network n = f.api.createNetwork(OverlayNetworkApiTest.overlay("ov100", "10.224.0.0/24", Map.of("vxlan_id", "100")));
    assertThat(n.getOptionsMap()).containsEntry("vxlan_id", "100");
    assertFails(Status.Code.ALREADY_EXISTS, "network.options[vxlan_id]",
        () -> f.api.createNetwork(OverlayNetworkApiTest.overlay("ov100b", "10.225.0.0/24", Map.of("vxlan_id", "100"))));
    Network auto = f.api.createNetwork(OverlayNetworkApiTest.overlay("ovauto", "10.226.0.0/24", Map.of()));
    assertThat(Long.parseLong(auto.getOptionsOrThrow("vxlan_id"))).isBetween(4096L, 16_777_215L);
    assertThat(networks()).extracting(Network::getName).containsExactlyInAnyOrder("ov100", "ovauto");
  }

  @Test
  void create_addressSpaceForADriverWithoutAddresses_isInvalidArgument() {
    CreateNetworkRequest req = CreateNetworkRequest.newBuilder().setNetwork(Network.newBuilder().setName("n")
        .setDriver("null").setIpam(dev.cnm.api.v1.IpamConfig.newBuilder().setAddressSpace("blue"))).build();
    assertFails(Status.Code.INVALID_ARGUMENT, "network.ipam.address_space", () -> f.api.createNetwork(req));
  }
}
