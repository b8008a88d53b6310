package dev.cnm.agent.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.net.IpPrefix;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GatewayAddressesTest {
  private static IpPrefix p(String text) {
    return IpPrefix.parse("p", text);
  }

  @Test
  void gatewayAndSubnet_areTheFirstHostAddressAndTheNormalisedCidr() {
    GatewayAddresses a = new GatewayAddresses(p("172.18.3.4/16"));
    assertThat(a.gateway()).isEqualTo(p("172.18.0.1/16"));
    assertThat(a.subnetText()).isEqualTo("172.18.0.0/16");
  }

  @Test
  void allocate_sameSandboxInAFreshAllocator_getsTheSameAddress_andNeverGatewayNetworkOrBroadcast() {
    IpPrefix first = new GatewayAddresses(p("172.18.0.0/16")).allocate("sandbox-1");
    assertThat(new GatewayAddresses(p("172.18.0.0/16")).allocate("sandbox-1")).isEqualTo(first);

    GatewayAddresses small = new GatewayAddresses(p("10.9.0.0/29"));
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 5; i++) {
      seen.add(small.allocate("sb" + i).address().getHostAddress());
    }
    assertThat(seen).containsExactlyInAnyOrder("10.9.0.2", "10.9.0.3", "10.9.0.4", "10.9.0.5", "10.9.0.6");
    assertThatThrownBy(() -> small.allocate("sb5")).isInstanceOfSatisfying(CnmException.class,
        e -> assertThat(e.getMessage()).contains("--gwbridge-subnet"));
  }

  @Test
  void claim_readBackAddress_isNotHandedOutAgain_untilReleased() {
    GatewayAddresses a = new GatewayAddresses(p("10.9.0.0/29"));
    IpPrefix wanted = new GatewayAddresses(p("10.9.0.0/29")).allocate("sbA");
    assertThat(a.claim("sbB", wanted.address())).isTrue();
    assertThat(a.claim("sbC", wanted.address())).as("held by sbB").isFalse();
    assertThat(a.allocate("sbA")).isNotEqualTo(wanted);
    a.release(wanted.address());
    assertThat(a.claim("sbC", wanted.address())).as("free again").isTrue();
    assertThat(a.claim("sbC", p("10.9.0.1/32").address())).as("the gateway's").isFalse();
  }
}
