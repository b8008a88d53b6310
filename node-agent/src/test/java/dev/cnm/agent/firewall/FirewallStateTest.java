package dev.cnm.agent.firewall;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.net.InetAddresses;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.runtime.net.IpPrefix;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FirewallStateTest {
  private static final InetAddress C4 = InetAddresses.forString("172.18.0.2");
  private static final FirewallNetwork WEB = FirewallNetwork.of("web", "cnm-web", List.of(IpPrefix.parseSubnet("172.18.0.0/16")));

  @Test
  void network_bridgeNameTooLong_isInvalidArgument() {
    assertThatThrownBy(() -> FirewallNetwork.of("n", "a-very-long-bridge-name", List.of()))
        .isInstanceOfSatisfying(CnmException.class, e -> {
          assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
          assertThat(e.metadata()).containsEntry("field", "network.bridge");
        })
        .hasMessageContaining("longer than 15 bytes");
  }

  @Test
  void network_bridgeNameWithQuoteOrSlash_isInvalidArgument() {
    assertThatThrownBy(() -> FirewallNetwork.of("n", "br\"0", List.of())).hasMessageContaining("contains '\"'");
    assertThatThrownBy(() -> FirewallNetwork.of("n", "br/0", List.of())).hasMessageContaining("contains '/'");
    assertThatThrownBy(() -> FirewallNetwork.of("n", "br 0", List.of())).hasMessageContaining("contains ' '");
  }

  @Test
  void port_outOfRangeOrReversedRange_isInvalidArgument() {
    assertThatThrownBy(() -> PublishedPort.of(Protocol.TCP, 0, C4, 80, "cnm-web")).hasMessageContaining("port.host_port");
    assertThatThrownBy(() -> PublishedPort.of(Protocol.TCP, 80, C4, 65536, "cnm-web"))
        .hasMessageContaining("port.container_port");
    assertThatThrownBy(() -> new PublishedPort(Protocol.TCP, Optional.empty(), 90, 80, C4, 80, "cnm-web"))
        .hasMessageContaining("below its start");
  }

  @Test
  void port_hostAndContainerOfDifferentFamilies_isInvalidArgument() {
    assertThatThrownBy(() -> new PublishedPort(Protocol.TCP, Optional.of(InetAddresses.forString("::1")), 80, 80, C4,
        80, "cnm-web")).hasMessageContaining("different families");
  }

  @Test
  void state_portOnUnknownBridge_isInvalidArgument() {
    assertThatThrownBy(() -> new FirewallState(List.of(WEB),
        List.of(PublishedPort.of(Protocol.TCP, 80, C4, 80, "cnm-other")), false))
        .hasMessageContaining("not in the state");
  }

  @Test
  void state_overlappingHostPorts_isInvalidArgument() {
    PublishedPort a = new PublishedPort(Protocol.TCP, Optional.empty(), 8000, 8010, C4, 80, "cnm-web");
    PublishedPort b = new PublishedPort(Protocol.TCP, Optional.of(InetAddresses.forString("192.0.2.1")), 8005, 8005,
        C4, 81, "cnm-web");
    assertThatThrownBy(() -> new FirewallState(List.of(WEB), List.of(a, b), false))
        .hasMessageContaining("published twice");
  }

  @Test
  void state_sameHostPortOtherProtocolOrFamily_isAccepted() {
    PublishedPort tcp = PublishedPort.of(Protocol.TCP, 53, C4, 53, "cnm-web");
    PublishedPort udp = PublishedPort.of(Protocol.UDP, 53, C4, 53, "cnm-web");
    PublishedPort tcp6 = PublishedPort.of(Protocol.TCP, 53, InetAddresses.forString("fd00::2"), 53, "cnm-web");

    assertThat(new FirewallState(List.of(WEB), List.of(tcp, udp, tcp6), false).ports()).hasSize(3);
  }

  @Test
  void state_sctpOnTheSameHostPortAsTcpAndUdp_isAccepted() {
    PublishedPort tcp = PublishedPort.of(Protocol.TCP, 9000, C4, 9000, "cnm-web");
    PublishedPort udp = PublishedPort.of(Protocol.UDP, 9000, C4, 9000, "cnm-web");
    PublishedPort sctp = PublishedPort.of(Protocol.SCTP, 9000, C4, 9000, "cnm-web");

    assertThat(new FirewallState(List.of(WEB), List.of(tcp, udp, sctp), false).ports()).hasSize(3);
  }

  @Test
  void state_sctpHostPortPublishedTwice_isRejected() {
    PublishedPort a = new PublishedPort(Protocol.SCTP, Optional.empty(), 9000, 9010, C4, 80, "cnm-web");
    PublishedPort b = PublishedPort.of(Protocol.SCTP, 9005, C4, 81, "cnm-web");

    assertThatThrownBy(() -> new FirewallState(List.of(WEB), List.of(a, b), false))
        .hasMessageContaining("sctp host port 9005-9005 is published twice");
  }

  @Test
  void protocol_parse_acceptsAnyCaseAndRejectsOthers() {
    assertThat(Protocol.parse("proto", "UDP")).isEqualTo(Protocol.UDP);
    assertThat(Protocol.parse("proto", "sctp")).isEqualTo(Protocol.SCTP);
    assertThat(Protocol.parse("proto", " SCTP ")).isEqualTo(Protocol.SCTP);
    assertThatThrownBy(() -> Protocol.parse("proto", "dccp"))
        .isInstanceOfSatisfying(CnmException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
        .hasMessageContaining("proto").hasMessageContaining("unknown protocol 'dccp' (expected tcp, udp or sctp)");
    assertThatThrownBy(() -> Protocol.parse("proto", null)).hasMessageContaining("unknown protocol");
  }

  @Test
  void protocol_nftKeywordAndProxy_sctpIsKernelNatOnly() {
    assertThat(Protocol.SCTP.nftKeyword()).isEqualTo("sctp");
    assertThat(Protocol.SCTP.proxiedInUserland()).isFalse();
    assertThat(Protocol.TCP.proxiedInUserland()).isTrue();
    assertThat(Protocol.UDP.proxiedInUserland()).isTrue();
  }

  @Test
  void listing_parse_readsChainsHeadersAndRules() {
    NftTableListing listing = NftTableListing.parse("""
        table inet cnmt {
        	set s {
        		type ipv4_addr
        	}

        	chain nat_post {
        		type nat hook postrouting priority srcnat; policy accept;
        		ip saddr 10.0.0.0/24 oifname != "br0" masquerade
        	}

        	chain published_ports {
        		iifname "a" oifname { "b", "c" } drop
        	}
        }
        """);

    assertThat(listing.exists()).isTrue();
    assertThat(listing.chains()).containsOnlyKeys("nat_post", "published_ports");
    assertThat(listing.headers()).containsExactlyEntriesOf(
        java.util.Map.of("nat_post", "type nat hook postrouting priority srcnat; policy accept;"));
    assertThat(listing.rules("published_ports")).containsExactly("iifname \"a\" oifname { \"b\", \"c\" } drop");
    assertThat(listing.allRules()).hasSize(2);
  }
}
