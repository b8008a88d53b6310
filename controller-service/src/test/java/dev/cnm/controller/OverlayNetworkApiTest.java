package dev.cnm.controller;

import static dev.cnm.controller.Api.assertFails;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.api.v1.AgentMessage;
import dev.cnm.api.v1.ControllerMessage;
import dev.cnm.api.v1.CreateNetworkRequest;
import dev.cnm.api.v1.DeleteNetworkRequest;
import dev.cnm.api.v1.IpamConfig;
import dev.cnm.api.v1.IpamGrpc;
import dev.cnm.api.v1.IpamPool;
import dev.cnm.api.v1.ListDriversRequest;
import dev.cnm.api.v1.ListNetworksRequest;
import dev.cnm.api.v1.ListNodesRequest;
import dev.cnm.api.v1.ListPoolsRequest;
import dev.cnm.api.v1.Network;
import dev.cnm.api.v1.NodeAgentGrpc;
import dev.cnm.api.v1.Pool;
import dev.cnm.api.v1.RegisterNode;
import dev.cnm.api.v1.RequestIdRequest;
import dev.cnm.api.v1.Scope;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The overlay driver's control half: VNI, global pools, options, and its bad input (nothing left allocated). */
class OverlayNetworkApiTest {
  @TempDir Path dir;
  ControllerFixture f;
  IpamGrpc.IpamBlockingStub ipam;

  @BeforeEach
  void start() throws Exception {
    f = new ControllerFixture(dir);
    ipam = IpamGrpc.newBlockingStub(f.ipamChannel);
  }

  @AfterEach
  void stop() {
    f.close();
  }

  static CreateNetworkRequest overlay(String name, String subnet, Map<String, String> options) {
    Network.Builder n = Network.newBuilder().setName(name).setDriver("overlay").putAllOptions(options);
    if (subnet != null) {
      n.setIpam(IpamConfig.newBuilder().addIpv4(IpamPool.newBuilder().setSubnet(subnet)));
    }
    return CreateNetworkRequest.newBuilder().setNetwork(n).build();
  }

  private List<Pool> pools() {
    return ipam.listPools(ListPoolsRequest.getDefaultInstance()).getPoolsList();
  }

  private List<Network> networks() {
    return f.api.listNetworks(ListNetworksRequest.getDefaultInstance()).getNetworksList();
  }

  /** True if the VNI is free: it can be taken (and is given back at once). */
  private boolean vniFree(long vni) {
    try {
      ipam.requestId(RequestIdRequest.newBuilder().setSet("vxlan").setPreferred(vni).setOwner("probe").build());
    } catch (StatusRuntimeException e) {
      return false;
    }
    ipam.releaseId(dev.cnm.api.v1.ReleaseIdRequest.newBuilder().setSet("vxlan").setId(vni).build());
    return true;
  }

  @Test
  void create_withoutOptions_takesAGlobalPoolAndTheNextVni() {
    Network n = f.api.createNetwork(overlay("ov", null, Map.of()));
    assertThat(n.getScope()).isEqualTo(Scope.SCOPE_GLOBAL);
    assertThat(n.getIpam().getIpv4(0).getPoolId()).startsWith("GlobalDefault/");
    assertThat(n.getIpam().getIpv4(0).getSubnet()).startsWith("10.");
    assertThat(Long.parseLong(n.getOptionsOrThrow("vxlan_id"))).isBetween(4096L, 16_777_215L);
    assertThat(n.getOptionsMap()).containsEntry("vxlan_port", "4789").doesNotContainKey("mtu");
  }

  @Test
  void create_withDockerOptions_keepsThemUnderCnmNames_andDeleteReleasesVniAndPool() {
    Network n = f.api.createNetwork(overlay("ov", "10.210.0.0/24", Map.of(
        "com.docker.network.driver.overlay.vxlanid_list", "5001", "com.docker.network.driver.mtu", "1400",
        "vxlan_port", "4790")));
    assertThat(n.getOptionsMap()).containsEntry("vxlan_id", "5001").containsEntry("mtu", "1400")
        .containsEntry("vxlan_port", "4790");
    assertThat(vniFree(5001)).isFalse();
    f.api.deleteNetwork(DeleteNetworkRequest.newBuilder().setNetwork("ov").build());
    assertThat(vniFree(5001)).isTrue();
    assertThat(pools()).isEmpty();
  }

  @Test
  void listDrivers_showsOverlayAsGlobal() {
    assertThat(f.api.listDrivers(ListDriversRequest.getDefaultInstance()).getDriversList())
        .filteredOn(d -> d.getName().equals("overlay")).singleElement().satisfies(d -> {
          assertThat(d.getScope()).isEqualTo(Scope.SCOPE_GLOBAL);
          assertThat(d.getUsesIpam()).isTrue();
          assertThat(d.getOptionsList()).contains("vxlan_id", "mtu", "vxlan_port");
        });
  }

  @Test
  void create_vniOutOfRange_isInvalidArgument_andNothingIsAllocated() {
    for (String bad : List.of("0", "16777216", "-3", "x", "5000,5001")) {
      assertFails(Status.Code.INVALID_ARGUMENT, "network.options[vxlan_id]",
          () -> f.api.createNetwork(overlay("ov", "10.211.0.0/24", Map.of("vxlan_id", bad))));
    }
    assertThat(networks()).isEmpty();
    assertThat(pools()).isEmpty();
  }

  @Test
  void create_vniInUse_isAlreadyExists_andThePoolIsNotKept() {
    f.api.createNetwork(overlay("ov1", "10.212.0.0/24", Map.of("vxlan_id", "5002")));
    assertFails(Status.Code.ALREADY_EXISTS, "network.options[vxlan_id]",
        () -> f.api.createNetwork(overlay("ov2", "10.213.0.0/24", Map.of("vxlan_id", "5002"))));
    assertThat(networks()).extracting(Network::getName).containsExactly("ov1");
    assertThat(pools()).extracting(Pool::getPool).containsExactly("10.212.0.0/24");
  }

  @Test
  void create_ipv6WithMtuBelow1280_isInvalidArgument_andNothingIsAllocated() {
    CreateNetworkRequest req = overlay("ov6", "10.214.0.0/24", Map.of("vxlan_id", "5003", "mtu", "1200"));
    Network.Builder n = req.getNetwork().toBuilder().setEnableIpv6(true);
    n.getIpamBuilder().addIpv6(IpamPool.newBuilder().setSubnet("fd00:214::/64"));
    assertFails(Status.Code.INVALID_ARGUMENT, "network.options[mtu]",
        () -> f.api.createNetwork(CreateNetworkRequest.newBuilder().setNetwork(n).build()));
    assertThat(networks()).isEmpty();
    assertThat(pools()).isEmpty();
    assertThat(vniFree(5003)).isTrue();
    // an IPv4-only overlay may go that low
    assertThat(f.api.createNetwork(req).getOptionsMap()).containsEntry("mtu", "1200");
  }

  @Test
  void create_subnetOverlappingAnotherGlobalPool_isAlreadyExistsNamingThePool_andTheVniIsReleased() {
    f.api.createNetwork(overlay("ov1", "10.215.0.0/24", Map.of()));
    assertThatFailsNamingPool(() -> f.api.createNetwork(overlay("ov2", "10.215.0.0/16", Map.of("vxlan_id", "5004"))));
    assertThat(networks()).extracting(Network::getName).containsExactly("ov1");
    assertThat(pools()).extracting(Pool::getPool).containsExactly("10.215.0.0/24");
    assertThat(vniFree(5004)).isTrue();
  }

  private static void assertThatFailsNamingPool(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
    assertFails(Status.Code.ALREADY_EXISTS, "network.ipam.ipv4[0].subnet", call);
    assertFails(Status.Code.ALREADY_EXISTS, "10.215.0.0/24", call);
  }

  @Test
  void create_overlaySubnetOverlappingALocalBridge_isAllowed_theyAreDifferentAddressSpaces() {
    f.api.createNetwork(Api.bridge("br", "10.216.0.0/24"));
    assertThat(f.api.createNetwork(overlay("ov", "10.216.0.0/24", Map.of())).getIpam().getIpv4(0).getPoolId())
        .isEqualTo("GlobalDefault/10.216.0.0/24");
  }

  @Test
  void create_unknownOption_isInvalidArgumentNamingIt() {
    assertFails(Status.Code.INVALID_ARGUMENT, "network.options[encrypted]",
        () -> f.api.createNetwork(overlay("ov", null, Map.of("encrypted", "true"))));
    assertFails(Status.Code.INVALID_ARGUMENT, "network.options[vxlan_port]",
        () -> f.api.createNetwork(overlay("ov", null, Map.of("vxlan_port", "70000"))));
    assertThat(networks()).isEmpty();
    assertThat(pools()).isEmpty();
  }

  @Test
  void register_advertiseAddressNotAnIp_isInvalidArgument_andNoNodeIsRecorded() throws Exception {
    CompletableFuture<Throwable> ended = new CompletableFuture<>();
    StreamObserver<AgentMessage> up = NodeAgentGrpc.newStub(f.channel).session(new StreamObserver<>() {
      @Override
      public void onNext(ControllerMessage m) {}

      @Override
      public void onError(Throwable t) {
        ended.complete(t);
      }

      @Override
      public void onCompleted() {
        ended.complete(null);
      }
    });
    up.onNext(AgentMessage.newBuilder().setRegister(RegisterNode.newBuilder().setNode("hostX")
        .setAdvertiseAddress("host-x.example")).build());
    Throwable t = ended.get(10, TimeUnit.SECONDS);
    assertThat(t).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.getStatus().getDescription()).contains("register.advertise_address");
    });
    assertThat(f.api.listNodes(ListNodesRequest.getDefaultInstance()).getNodesList()).isEmpty();
  }
}
