package dev.cnm.cli.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cnm.api.v1.PortBinding;
import dev.cnm.api.v1.Protocol;
import org.junit.jupiter.api.Test;

class PortSpecsTest {
  @Test
  void binding_dockerSyntax_parsesEveryPart() {
    assertThat(PortSpecs.binding("80")).isEqualTo(PortBinding.newBuilder().setProtocol(Protocol.PROTOCOL_TCP)
        .setContainerPort(80).build());
    PortBinding full = PortSpecs.binding("127.0.0.1:8000-8010:80/udp");
    assertThat(full.getHostIp()).isEqualTo("127.0.0.1");
    assertThat(full.getHostPort()).isEqualTo(8000);
    assertThat(full.getHostPortEnd()).isEqualTo(8010);
    assertThat(full.getContainerPort()).isEqualTo(80);
    assertThat(full.getProtocol()).isEqualTo(Protocol.PROTOCOL_UDP);
    assertThat(PortSpecs.binding("8080:80").getHostPort()).isEqualTo(8080);
    assertThat(PortSpecs.binding("[::1]:8080:80").getHostIp()).isEqualTo("::1");
  }

  @Test
  void binding_unknownProtocolOrNonNumber_isRejectedNamingIt() {
    assertThatThrownBy(() -> PortSpecs.binding("80/icmp")).hasMessageContaining("icmp");
    assertThatThrownBy(() -> PortSpecs.binding("x:80")).hasMessageContaining("\"x\"");
  }

  @Test
  void exposed_portAndProtocol() {
    assertThat(PortSpecs.exposed("53/udp").getProtocol()).isEqualTo(Protocol.PROTOCOL_UDP);
    assertThat(PortSpecs.exposed("443").getPort()).isEqualTo(443);
  }
}
