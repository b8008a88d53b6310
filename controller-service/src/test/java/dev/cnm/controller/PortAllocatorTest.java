package dev.cnm.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cnm.api.v1.PortBinding;
import dev.cnm.api.v1.Protocol;
import dev.cnm.controller.domain.PortAllocator;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PortAllocatorTest {
  private static PortBinding any(int containerPort) {
    return PortBinding.newBuilder().setContainerPort(containerPort).build();
  }

  @Test
  void allocate_hostPortZero_takesTheNextFreeEphemeralPort_goingRoundTheRange() {
    PortAllocator p = new PortAllocator(50000, 50002);
    assertThat(p.allocate(List.of(any(80), any(81)), Set.of("tcp/50000"), "0.0.0.0"))
        .extracting(PortBinding::getHostPort).containsExactly(50001, 50002);
    // the search continues after the last port handed out, wrapping to the start
    assertThat(p.allocate(List.of(any(82)), Set.of(), "0.0.0.0").get(0).getHostPort()).isEqualTo(50000);
  }

  @Test
  void allocate_rangeExhausted_isResourceExhausted_andProtocolsDoNotCollide() {
    PortAllocator p = new PortAllocator(50000, 50000);
    assertThat(p.allocate(List.of(any(53).toBuilder().setProtocol(Protocol.PROTOCOL_UDP).build()),
        Set.of("tcp/50000"), "").get(0).getHostPort()).isEqualTo(50000);
    assertThatThrownBy(() -> p.allocate(List.of(any(80)), Set.of("tcp/50000"), ""))
        .isInstanceOfSatisfying(CnmException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.RESOURCE_EXHAUSTED));
  }

  @Test
  void fromKernel_readsIpLocalPortRange() {
    PortAllocator p = PortAllocator.fromKernel();
    assertThat(p.low()).isPositive().isLessThanOrEqualTo(p.high());
  }

  @Test
  void allocate_defaultHostIp_fillsAnEmptyHostIp() {
    PortBinding b = new PortAllocator(50000, 50010).allocate(List.of(any(80)), Set.of(), "127.0.0.1").get(0);
    assertThat(b.getHostIp()).isEqualTo("127.0.0.1");
  }
}
