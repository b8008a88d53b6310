package dev.cnm.agent.driver.overlay;

import static dev.cnm.agent.testsupport.TwoHostLab.endpoint;
import static dev.cnm.agent.testsupport.TwoHostLab.exec;
import static dev.cnm.agent.testsupport.TwoHostLab.overlayNetwork;
import static dev.cnm.agent.testsupport.TwoHostLab.sandbox;
import static dev.cnm.agent.testsupport.TwoHostLab.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.agent.testsupport.TwoHostLab;
import dev.cnm.agent.netlink.NetlinkHandle;
import dev.cnm.agent.netlink.link.LinkSpec;
import dev.cnm.agent.netlink.link.Veth;
import dev.cnm.agent.netns.NetNamespace;
import dev.cnm.agent.testsupport.TwoHostLab.Host;
import dev.cnm.agent.testsupport.KernelFixture;
import dev.cnm.api.v1.DesiredState;
import dev.cnm.api.v1.ObjectKind;
import dev.cnm.api.v1.ObjectStatus;
import dev.cnm.runtime.net.IpPrefix;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Egress of overlay sandboxes through the gateway bridge, on the real kernel: host 1 has an
 * uplink to an "outside" namespace (10.79.1.2) that has no route back to the sandboxes' or the
 * gateway bridge's subnets, so only the agent's masquerade lets replies come back.
 */
class OverlayEgressIT {
  private TwoHostLab lab;
  private Host h1;

  @BeforeEach
  void setUp() {
    lab = new TwoHostLab();
    h1 = lab.host(1);
    NetNamespace outside = lab.fx.namespace("out");
    NetlinkHandle out = lab.fx.handle(outside);
    h1.netlink.links().add(LinkSpec.of("up0", new Veth("eth0", null, 1500, outside.fd())).withUp(true));
    out.links().setUp("eth0");
    h1.netlink.addresses().add(h1.netlink.links().get("up0").index(), IpPrefix.parse("up", "10.79.1.1/24"));
    out.addresses().add(out.links().get("eth0").index(), IpPrefix.parse("out", "10.79.1.2/24"));
  }

  @AfterEach
  void tearDown() {
    lab.close();
  }

  private static Path key(List<ObjectStatus> statuses, String sandbox) {
    return Path.of(statuses.stream().filter(s -> s.getKind() == ObjectKind.OBJECT_KIND_SANDBOX
        && s.getId().equals(sandbox)).findFirst().orElseThrow().getKey());
  }

  private DesiredState state(long version, boolean sbaGateway) {
    return snapshot(version, h1)
        .addNetworks(overlayNetwork("ov1", 4300, "10.212.0", false))
        .addNetworks(overlayNetwork("ovint", 4301, "10.213.0", true))
        .addSandboxes(sandbox("sbA")).addSandboxes(sandbox("sbI"))
        .addEndpoints(endpoint("epA", "ov1", "sbA", "10.212.0.2", "02:42:0a:d4:00:02", sbaGateway))
        .addEndpoints(endpoint("epI", "ovint", "sbI", "10.213.0.2", "02:42:0a:d5:00:02", true)).build();
  }

  @Test
  void sandboxOfANonInternalOverlay_reachesTheOutsideThroughTheGatewayBridge_withMasquerade() {
    List<ObjectStatus> st = h1.apply(state(1, true));
    assertThat(st).allSatisfy(s -> assertThat(s.hasError()).as(s.getId() + ": " + s.getError().getMessage()).isFalse());
    Path sbA = key(st, "sbA");
    Path sbI = key(st, "sbI");

    assertThat(exec(sbA, "ip", "route", "show", "default").output()).contains("via 172.30.0.1 dev gw0");
    KernelFixture.Exec out = exec(sbA, "ping", "-c", "1", "-W", "3", "10.79.1.2");
    assertThat(out.code()).as(out.output()).isZero();
    String rules = KernelFixture.exec(h1.namespace, "nft", "list", "table", "inet", "cnmt_agent").output();
    assertThat(rules).contains("ip saddr 172.30.0.0/24 oifname != \"cnmtgw0\" masquerade");

    // an internal overlay's sandbox gets no way out
    assertThat(exec(sbI, "ip", "-o", "link", "show", "gw0").code()).isNotZero();
    assertThat(exec(sbI, "ping", "-c", "1", "-W", "1", "10.79.1.2").code()).isNotZero();
  }

  @Test
  void gatewayBridgeNameTakenBySomethingElse_reportedOnTheSandbox_andNothingOfItTouched() {
    h1.netlink.links().add(LinkSpec.of(TwoHostLab.GATEWAY_BRIDGE, Veth.peer("cnmtother")));
    List<ObjectStatus> st = h1.apply(state(1, true));
    assertThat(st).filteredOn(s -> s.getKind() == ObjectKind.OBJECT_KIND_SANDBOX && s.getId().equals("sbA"))
        .singleElement().satisfies(s -> assertThat(s.getError().getMessage()).contains("LINK_NOT_OWNED",
            TwoHostLab.GATEWAY_BRIDGE));
    assertThat(h1.netlink.links().get(TwoHostLab.GATEWAY_BRIDGE).kind()).isEqualTo("veth");
    // the overlay itself still works: its endpoint is attached
    assertThat(st).filteredOn(s -> s.getKind() == ObjectKind.OBJECT_KIND_ENDPOINT)
        .allSatisfy(s -> assertThat(s.hasError()).isFalse());
  }

  @Test
  void overlayEndpointNoLongerTheDefaultGateway_loosesTheRouteButKeepsGw0_andLeavingDisconnects() {
    Path sbA = key(h1.apply(state(1, true)), "sbA");
    String gw0 = exec(sbA, "ip", "-o", "-4", "addr", "show", "gw0").output();

    assertThat(h1.apply(state(2, false))).allSatisfy(s -> assertThat(s.hasError()).isFalse());
    assertThat(exec(sbA, "ip", "route", "show", "default").output()).doesNotContain("gw0");
    assertThat(exec(sbA, "ip", "-o", "-4", "addr", "show", "gw0").output()).isEqualTo(gw0);

    DesiredState withoutSbA = snapshot(3, h1).addNetworks(overlayNetwork("ovint", 4301, "10.213.0", true))
        .addSandboxes(sandbox("sbI"))
        .addEndpoints(endpoint("epI", "ovint", "sbI", "10.213.0.2", "02:42:0a:d5:00:02", true)).build();
    assertThat(h1.apply(withoutSbA)).allSatisfy(s -> assertThat(s.hasError()).isFalse());
    assertThat(h1.gateway.addressOf("sbA")).isEmpty();
    assertThat(KernelFixture.exec(h1.namespace, "ip", "-o", "link", "show", "master", TwoHostLab.GATEWAY_BRIDGE)
        .output()).isBlank();
  }
}
