package dev.cnm.agent.driver.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.net.InetAddresses;
import dev.cnm.agent.firewall.Protocol;
import dev.cnm.agent.firewall.PublishedPort;
import dev.cnm.api.v1.NodeEndpoint;
import dev.cnm.api.v1.PortBinding;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PortMappingTest {
  private static final InetAddress CONTAINER = InetAddresses.forString("172.18.0.2");

  private static PortBinding binding(dev.cnm.api.v1.Protocol protocol, String hostIp, int hostPort, int containerPort) {
    return PortBinding.newBuilder().setProtocol(protocol).setHostIp(hostIp).setHostPort(hostPort)
        .setContainerPort(containerPort).build();
  }

  @Test
  void published_tcpUdpAndSctp_everyBindingBecomesAFirewallPort() {
    NodeEndpoint e = NodeEndpoint.newBuilder()
        .addPortMap(binding(dev.cnm.api.v1.Protocol.PROTOCOL_TCP, "", 8080, 80))
        .addPortMap(binding(dev.cnm.api.v1.Protocol.PROTOCOL_UDP, "0.0.0.0", 5353, 53))
        .addPortMap(binding(dev.cnm.api.v1.Protocol.PROTOCOL_SCTP, "", 3868, 3868))
        .addPortMap(binding(dev.cnm.api.v1.Protocol.PROTOCOL_SCTP, "192.0.2.1", 2905, 2905))
        .build();

    List<PublishedPort> ports = PortMapping.published(e, CONTAINER, "cnm-web");

    assertThat(ports).containsExactly(
        new PublishedPort(Protocol.TCP, Optional.empty(), 8080, 8080, CONTAINER, 80, "cnm-web"),
        new PublishedPort(Protocol.UDP, Optional.empty(), 5353, 5353, CONTAINER, 53, "cnm-web"),
        new PublishedPort(Protocol.SCTP, Optional.empty(), 3868, 3868, CONTAINER, 3868, "cnm-web"),
        new PublishedPort(Protocol.SCTP, Optional.of(InetAddresses.forString("192.0.2.1")), 2905, 2905, CONTAINER,
            2905, "cnm-web"));
  }

  @Test
  void protocol_unspecified_isTcpAsInLibnetwork() {
    assertThat(PortMapping.protocol(dev.cnm.api.v1.Protocol.PROTOCOL_UNSPECIFIED)).isEqualTo(Protocol.TCP);
    assertThat(PortMapping.protocol(dev.cnm.api.v1.Protocol.PROTOCOL_TCP)).isEqualTo(Protocol.TCP);
    assertThat(PortMapping.protocol(dev.cnm.api.v1.Protocol.PROTOCOL_UDP)).isEqualTo(Protocol.UDP);
    assertThat(PortMapping.protocol(dev.cnm.api.v1.Protocol.PROTOCOL_SCTP)).isEqualTo(Protocol.SCTP);
  }
}
