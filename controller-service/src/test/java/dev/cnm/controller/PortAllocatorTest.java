package dev.cnm.controller;

import dev.cnm.api.v1.PortBinding;
import dev.cnm.api.v1.Protocol;
import dev.cnm.controller.domain.ports.PortAllocator;
import dev.cnm.controller.domain.ports.PortClaims;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import java.util.List;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PortAllocatorTest {
  private static PortBinding any(int containerPort) {
    return PortBinding.newBuilder().setContainerPort(containerPort).build();
  }

  private static PortClaims claims(String... ipProtoPort) {
    PortClaims c = PortClaims.none("n1");
    for (String s : ipProtoPort) {
      String[] p = s.split("/");
      c.add(p[0], p[1], Integer.parseInt(p[2]));
    }
    return c;
  }

  @Test
  void allocate_hostPortZero_takesTheNextFreeEphemeralPort_goingRoundTheRange() {
    PortAllocator p = new PortAllocator(50000, 50002);
    assertThat(p.allocate(List.of(any(80), any(81)), claims("0.0.0.0/tcp/50000"), "0.0.0.0"))
        .extracting(PortBinding::getHostPort).containsExactly(50001, 50002);
    // the search continues after the last port handed out, wrapping to the start
    assertThat(p.allocate(List.of(any(82)), claims(), "0.0.0.0").get(0).getHostPort()).isEqualTo(50000);
  }

  @Test
  void allocate_rangeExhausted_isResourceExhausted_andProtocolsDoNotCollide() {
    PortAllocator p = new PortAllocator(50000, 50000);
    assertThat(p.allocate(List.of(any(53).toBuilder().setProtocol(Protocol.PROTOCOL_UDP).build()),
        claims("0.0.0.0/tcp/50000"), "").get(0).getHostPort()).isEqualTo(50000);
    assertThatThrownBy(() -> p.allocate(List.of(any(80)), claims("0.0.0.0/tcp/50000"), ""))
        .isInstanceOfSatisfying(CnmException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.RESOURCE_EXHAUSTED));
  }

  @Test
  void fromKernel_readsIpLocalPortRange() {
    PortAllocator p = PortAllocator.fromKernel();
    assertThat(p.low()).isPositive().isLessThanOrEqualTo(p.high());
  }

  @Test
  void allocate_defaultHostIp_fillsAnEmptyHostIp() {
    PortBinding b = new PortAllocator(50000, 50010).allocate(List.of(any(80)), claims(), "127.0.0.1").get(0);
    assertThat(b.getHostIp()).isEqualTo("127.0.0.1");
  }

  @Test
  void allocate_hostPortZero_isChosenPerHostAddress_theUnspecifiedAddressTakingEveryAddress() {
    PortAllocator p = new PortAllocator(50000, 50001);
    // 127.0.0.1 holds 50000: another address may have it, 0.0.0.0 may not
    assertThat(p.allocate(List.of(any(80).toBuilder().setHostIp("192.0.2.10").build()),
        claims("127.0.0.1/tcp/50000"), "0.0.0.0").get(0).getHostPort()).isEqualTo(50000);
    assertThat(p.allocate(List.of(any(80)), claims("127.0.0.1/tcp/50000"), "0.0.0.0").get(0).getHostPort())
        .isEqualTo(50001);
    // and 0.0.0.0 holding a port takes it from every IPv4 address, not from IPv6 ones
    assertThat(p.allocate(List.of(any(80).toBuilder().setHostIp("127.0.0.1").build()),
        claims("0.0.0.0/tcp/50000"), "0.0.0.0").get(0).getHostPort()).isEqualTo(50001);
    assertThat(p.allocate(List.of(any(80).toBuilder().setHostIp("::1").build()),
        claims("0.0.0.0/tcp/50000", "0.0.0.0/tcp/50001"), "0.0.0.0").get(0).getHostPort()).isEqualTo(50000);
  }

  @Test
  void allocate_fixedPortHeldByTheUnspecifiedAddress_isAlreadyExistsNamingTheHolder() {
    PortAllocator p = new PortAllocator(50000, 50001);
    assertThatThrownBy(() -> p.allocate(List.of(any(80).toBuilder().setHostIp("127.0.0.1").setHostPort(8080).build()),
        claims("0.0.0.0/tcp/8080"), "0.0.0.0"))
        .isInstanceOfSatisfying(CnmException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.ALREADY_EXISTS))
        .hasMessageContaining("endpoint.port_bindings[0].host_port: tcp port 8080 is already published on 0.0.0.0 "
            + "of node \"n1\"");
    // two bindings of one request on the same port: the second conflicts with the first
    assertThatThrownBy(() -> p.allocate(List.of(
        any(80).toBuilder().setHostIp("127.0.0.1").setHostPort(8080).build(),
        any(81).toBuilder().setHostPort(8080).build()), claims(), "0.0.0.0"))
        .hasMessageContaining("endpoint.port_bindings[1].host_port: tcp port 8080 is already published on 127.0.0.1");
  }
}
