package dev.cnm.agent.apply;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.api.v1.DesiredState;
import dev.cnm.api.v1.NodeEndpoint;
import dev.cnm.api.v1.NodeNetwork;
import dev.cnm.api.v1.NodeSandbox;
import org.junit.jupiter.api.Test;

class SandboxDnsTest {
  private static NodeEndpoint ep(String id, String network, String sandbox) {
    return NodeEndpoint.newBuilder().setId(id).setNetworkId(network).setSandboxId(sandbox).build();
  }

  @Test
  void served_sandboxesWithABridgeOrOverlayEndpoint_notNullOrHostOnesNorHostMode() {
    DesiredState d = DesiredState.newBuilder()
        .addNetworks(NodeNetwork.newBuilder().setId("br").setDriver("bridge"))
        .addNetworks(NodeNetwork.newBuilder().setId("ov").setDriver("overlay"))
        .addNetworks(NodeNetwork.newBuilder().setId("nu").setDriver("null"))
        .addNetworks(NodeNetwork.newBuilder().setId("ho").setDriver("host"))
        .addSandboxes(NodeSandbox.newBuilder().setId("s-br"))
        .addSandboxes(NodeSandbox.newBuilder().setId("s-ov"))
        .addSandboxes(NodeSandbox.newBuilder().setId("s-null"))
        .addSandboxes(NodeSandbox.newBuilder().setId("s-host").setHostNetwork(true))
        .addSandboxes(NodeSandbox.newBuilder().setId("s-none"))
        .addSandboxes(NodeSandbox.newBuilder().setId("s-mixed"))
        .addEndpoints(ep("e1", "br", "s-br"))
        .addEndpoints(ep("e2", "ov", "s-ov"))
        .addEndpoints(ep("e3", "nu", "s-null"))
        .addEndpoints(ep("e4", "ho", "s-host"))
        .addEndpoints(ep("e5", "nu", "s-mixed"))
        .addEndpoints(ep("e6", "br", "s-mixed"))
        .build();

    assertThat(SandboxDns.served(d)).containsExactlyInAnyOrder("s-br", "s-ov", "s-mixed");
  }
}
