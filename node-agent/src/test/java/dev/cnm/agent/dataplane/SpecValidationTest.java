package dev.cnm.agent.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cnm.agent.netlink.MacAddress;
import dev.cnm.agent.netns.Namespaces;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.runtime.net.IpPrefix;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The dataplane's specs refuse bad input themselves, so nothing reaches the kernel. */
class SpecValidationTest {

  private static void invalid(Runnable r, String... parts) {
    assertThatThrownBy(r::run).isInstanceOfSatisfying(CnmException.class,
        e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT)).hasMessageContainingAll(parts);
  }

  @Test
  void networkSpec_badNameMtuOrGatewayFamily_isRejected() {
    NetworkSpec ok = new NetworkSpec("0123456789abcdef", null, 0, IpPrefix.parse("g", "10.0.0.1/24"), null);
    assertThat(ok.bridgeName()).isEqualTo("cnm-0123456789a");
    assertThat(ok.mtu()).isEqualTo(1500);
    invalid(() -> new NetworkSpec("n1", "cnm-bridge-too-long", 0, null, null), "bridgeName");
    invalid(() -> new NetworkSpec("n1", "br/0", 0, null, null), "bridgeName", "'/'");
    invalid(() -> new NetworkSpec("n1", null, 65536, null, null), "mtu");
    invalid(() -> new NetworkSpec("n1", null, 1000, null, IpPrefix.parse("g", "fd00::1/64")), "IPv6's minimum");
    invalid(() -> new NetworkSpec("n1", null, 0, IpPrefix.parse("g", "fd00::1/64"), null), "gatewayV4");
    invalid(() -> new NetworkSpec("n1", null, 0, null, IpPrefix.parse("g", "10.0.0.1/24")), "gatewayV6");
    invalid(() -> new NetworkSpec("../etc", null, 0, null, null), "networkId");
  }

  @Test
  void endpointSpec_badNamesMacOrFamilies_isRejected() {
    EndpointSpec ok = EndpointSpec.of("abcdef0123456789", "n1", "s1", IpPrefix.parse("a", "10.0.0.2/24"), null);
    assertThat(ok.hostIfName()).isEqualTo("cnmabcdef012345");
    assertThat(ok.effectiveMac()).isEqualTo(MacAddress.parse("m", "02:42:0a:00:00:02"));
    invalid(() -> new EndpointSpec("e1", "n1", "s1", "eth0", null, null, null, "cnmthostnametoolong"), "hostIfName");
    invalid(() -> new EndpointSpec("e1", "n1", "s1", "eth/0", null, null, null, null), "ifName");
    invalid(() -> new EndpointSpec("e1", "n1", "s1", "eth0", MacAddress.parse("m", "33:33:00:00:00:01"), null, null, null),
        "multicast");
    invalid(() -> new EndpointSpec("e1", "n1", "s1", "eth0", null, IpPrefix.parse("a", "fd00::2/64"), null, null),
        "ipv4");
    invalid(() -> new EndpointSpec("e1", "n1", "s1", "eth0", null, null, IpPrefix.parse("a", "10.0.0.2/24"), null),
        "ipv6");
    invalid(() -> EndpointSpec.of("e 1", "n1", "s1", null, null), "endpointId");
  }

  @Test
  void externalNamespacePath_missing_isRejectedWithThePath() {
    invalid(() -> Namespaces.openExternal(Path.of("/nonexistent/cnmt/netns")), "/nonexistent/cnmt/netns", "does not exist");
    invalid(() -> SandboxSpec.owned("a/b"), "sandboxId");
  }
}
