package dev.cnm.agent.driver.overlay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.agent.overlay.Peer;
import dev.cnm.api.v1.DesiredState;
import dev.cnm.api.v1.NodeEndpoint;
import dev.cnm.api.v1.NodeNetwork;
import dev.cnm.api.v1.OverlayConfig;
import dev.cnm.api.v1.OverlayPeer;
import dev.cnm.runtime.net.IpPrefix;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Translating the overlay part of a snapshot into the overlay dataplane's specs (no kernel). */
class OverlaySnapshotTest {
  static final InetAddress LOCAL = IpPrefix.parseAddress("ip", "10.78.0.1");

  static NodeNetwork network(String id, int vni, boolean internal, OverlayPeer... peers) {
    OverlayConfig.Builder c = OverlayConfig.newBuilder().setVni(vni);
    for (OverlayPeer p : peers) {
      c.addPeers(p);
    }
    return NodeNetwork.newBuilder().setId(id).setName(id).setDriver("overlay").setSubnetIpv4("10.1.0.0/24")
        .setGatewayIpv4("10.1.0.1").setSubnetIpv6("fd00:1::/64").setInternal(internal).setMtu(1400).setOverlay(c)
        .build();
  }

  static NodeEndpoint endpoint(String id, String network, String sandbox) {
    return NodeEndpoint.newBuilder().setId(id).setNetworkId(network).setSandboxId(sandbox).setInterfaceName("eth1")
        .setIpv4Address("10.1.0.2/24").setMacAddress("02:42:0a:01:00:02").build();
  }

  @Test
  void of_peerWithBothFamilies_becomesTwoEntriesWithOneMacAndNode_andSpecsCarryTheSnapshot() {
    OverlayPeer both = OverlayPeer.newBuilder().setEndpointId("r1").setNode("n2").setNodeAddress("10.78.0.2")
        .setMacAddress("02:42:0a:01:00:03").setIpv4Address("10.1.0.3").setIpv6Address("fd00:1::3").build();
    DesiredState d = DesiredState.newBuilder().addNetworks(network("ov1", 77, false, both))
        .addEndpoints(endpoint("e1", "ov1", "sb1")).build();
    OverlaySnapshot s = OverlaySnapshot.of(d, LOCAL, true, Map.of("sb1", Path.of("/ns/sb1")));

    assertThat(s.failed).isEmpty();
    assertThat(s.peers.get("ov1")).extracting(Peer::ip).extracting(InetAddress::getHostAddress)
        .containsExactlyInAnyOrder("10.1.0.3", "fd00:1:0:0:0:0:0:3");
    assertThat(s.networks.get("ov1").vni()).isEqualTo(77);
    assertThat(s.networks.get("ov1").mtu()).isEqualTo(1400);
    assertThat(s.networks.get("ov1").internal()).as("the gateway bridge routes out, not the overlay").isTrue();
    assertThat(s.egressNetworks).containsExactly("ov1");
    assertThat(s.endpoints.get("e1").ifName()).isEqualTo("eth1");
    assertThat(s.endpoints.get("e1").sandboxNamespace()).isEqualTo(Path.of("/ns/sb1"));
  }

  @Test
  void of_peerWithoutMac_getsTheMacItsAgentDerivesFromItsIpv4() {
    OverlayPeer noMac = OverlayPeer.newBuilder().setEndpointId("r1").setNode("n2").setNodeAddress("10.78.0.2")
        .setIpv4Address("10.1.0.3").build();
    OverlaySnapshot s = OverlaySnapshot.of(DesiredState.newBuilder().addNetworks(network("ov1", 77, false, noMac))
        .build(), LOCAL, true, Map.of());
    assertThat(s.peers.get("ov1")).singleElement().satisfies(p -> assertThat(p.mac().toString())
        .isEqualTo("02:42:0a:01:00:03"));
  }

  @Test
  void of_badNetworkMissingSandboxOrNoLocalAddress_failPerObject() {
    DesiredState d = DesiredState.newBuilder().addNetworks(network("ov1", 77, true))
        .addNetworks(network("ovbad", 0, false)).addEndpoints(endpoint("e1", "ov1", "gone"))
        .addEndpoints(endpoint("e2", "ovbad", "sb1")).build();
    OverlaySnapshot s = OverlaySnapshot.of(d, LOCAL, true, Map.of("sb1", Path.of("/ns/sb1")));
    assertThat(s.failed.get("network/ovbad").getMessage()).contains("VNI 0");
    assertThat(s.failed.get("endpoint/e1").reason()).isEqualTo("DEPENDENCY_FAILED");
    assertThat(s.failed.get("endpoint/e2").reason()).isEqualTo("DEPENDENCY_FAILED");
    assertThat(s.egressNetworks).as("internal").isEmpty();

    OverlaySnapshot none = OverlaySnapshot.of(d, null, true, Map.of());
    assertThat(none.failed.get("network/ov1").reason()).isEqualTo("OVERLAY_NEEDS_ADVERTISE_ADDRESS");
    assertThat(none.networks).isEmpty();
  }
}
