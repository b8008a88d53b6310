package dev.cnm.agent.firewall;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.net.InetAddresses;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.runtime.net.IpPrefix;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NftRendererTest {
  private final NftRenderer renderer = new NftRenderer("cnm");

  /** The table for network web (cnm-web, 172.18.0.0/16) publishing host port 8080 to 172.18.0.2:80, hairpin on. */
  private String hairpinDefinition(Protocol protocol) {
    FirewallNetwork web = FirewallNetwork.of("web", "cnm-web", List.of(IpPrefix.parseSubnet("172.18.0.0/16")));
    return renderer.definition(new FirewallState(List.of(web),
        List.of(PublishedPort.of(protocol, 8080, InetAddresses.forString("172.18.0.2"), 80, "cnm-web")), true));
  }

  @Test
  void definition_emptyState_holdsOnlyBaseChains() {
    assertThat(renderer.definition(FirewallState.empty())).isEqualTo("""
        table inet cnm {
        	chain nat_prerouting {
        		type nat hook prerouting priority dstnat; policy accept;
        		fib daddr type local jump published_ports
        	}

        	chain nat_output {
        		type nat hook output priority -100; policy accept;
        		meta nfproto ipv4 ip daddr != 127.0.0.0/8 fib daddr type local jump published_ports
        		meta nfproto ipv6 ip6 daddr != ::1 fib daddr type local jump published_ports
        	}

        	chain nat_postrouting {
        		type nat hook postrouting priority srcnat; policy accept;
        	}

        	chain published_ports {
        	}

        	chain filter_forward {
        		type filter hook forward priority filter; policy accept;
        	}
        }
        """);
  }

  @Test
  void definition_twoNetworksAndPorts_rendersEveryRule() {
    FirewallNetwork web = new FirewallNetwork("web", "cnm-web",
        List.of(IpPrefix.parseSubnet("172.18.0.0/16"), IpPrefix.parseSubnet("fd00:18::/64")), true, true, false);
    FirewallNetwork db = new FirewallNetwork("db \"x\"", "cnm-db", List.of(IpPrefix.parseSubnet("172.19.0.5/16")),
        false, false, true);
    FirewallNetwork quiet = new FirewallNetwork("quiet", "cnm-q", List.of(IpPrefix.parseSubnet("172.20.0.0/24")),
        true, false, false);
    FirewallState state = new FirewallState(List.of(web, db, quiet), List.of(
        PublishedPort.of(Protocol.TCP, 8080, InetAddresses.forString("172.18.0.2"), 80, "cnm-web"),
        new PublishedPort(Protocol.UDP, Optional.of(InetAddresses.forString("192.0.2.1")), 5000, 5010,
            InetAddresses.forString("172.18.0.3"), 53, "cnm-web"),
        PublishedPort.of(Protocol.TCP, 8443, InetAddresses.forString("fd00:18::2"), 443, "cnm-web"),
        PublishedPort.of(Protocol.TCP, 5432, InetAddresses.forString("172.19.0.2"), 5432, "cnm-db")), false);

    String text = renderer.definition(state);

    assertThat(text).contains("""
        	chain nat_postrouting {
        		type nat hook postrouting priority srcnat; policy accept;
        		ip saddr 172.18.0.0/16 oifname != "cnm-web" masquerade comment "masquerade web"
        		ip6 saddr fd00:18::/64 oifname != "cnm-web" masquerade comment "masquerade web"
        		ip saddr 172.20.0.0/24 oifname != "cnm-q" masquerade comment "masquerade quiet"
        	}
        """);
    assertThat(text).contains("""
        	chain published_ports {
        		iifname != "cnm-web" meta nfproto ipv4 tcp dport 8080 dnat ip to 172.18.0.2:80
        		iifname != "cnm-web" meta nfproto ipv4 ip daddr 192.0.2.1 udp dport 5000-5010 dnat ip to 172.18.0.3:53
        		iifname != "cnm-web" meta nfproto ipv6 tcp dport 8443 dnat ip6 to [fd00:18::2]:443
        	}
        """);
    assertThat(text).contains("""
        	chain filter_forward {
        		type filter hook forward priority filter; policy accept;
        		iifname "cnm-web" oifname { "cnm-db", "cnm-q" } drop comment "isolation web"
        		iifname "cnm-db" oifname { "cnm-web", "cnm-q" } drop comment "isolation db _x_"
        		iifname "cnm-q" oifname { "cnm-web", "cnm-db" } drop comment "isolation quiet"
        		iifname "cnm-db" oifname != "cnm-db" drop comment "internal db _x_"
        		oifname "cnm-db" iifname != "cnm-db" drop comment "internal db _x_"
        		iifname "cnm-db" oifname "cnm-db" drop comment "icc off db _x_"
        		iifname "cnm-q" oifname "cnm-q" drop comment "icc off quiet"
        	}
        }
        """);
  }

  @Test
  void definition_hairpin_dnatsFromBridgesAndMasqueradesBackIntoThem() {
    String text = hairpinDefinition(Protocol.TCP);

    assertThat(text).contains("\t\tmeta nfproto ipv4 tcp dport 8080 dnat ip to 172.18.0.2:80\n")
        .doesNotContain("iifname != \"cnm-web\" meta nfproto")
        .contains("\t\tct status dnat oifname \"cnm-web\" ip saddr 172.18.0.0/16 masquerade comment \"hairpin web\"\n");
  }

  @Test
  void definition_sctpPorts_dnatLikeTcpAndUdpWithAndWithoutHostIp() {
    FirewallNetwork web = new FirewallNetwork("web", "cnm-web",
        List.of(IpPrefix.parseSubnet("172.18.0.0/16"), IpPrefix.parseSubnet("fd00:18::/64")), true, false, false);
    FirewallState state = new FirewallState(List.of(web), List.of(
        PublishedPort.of(Protocol.SCTP, 8080, InetAddresses.forString("172.18.0.2"), 80, "cnm-web"),
        new PublishedPort(Protocol.SCTP, Optional.of(InetAddresses.forString("192.0.2.1")), 3868, 3868,
            InetAddresses.forString("172.18.0.3"), 3868, "cnm-web"),
        new PublishedPort(Protocol.SCTP, Optional.of(InetAddresses.forString("2001:db8::1")), 2905, 2910,
            InetAddresses.forString("fd00:18::2"), 2905, "cnm-web"),
        PublishedPort.of(Protocol.TCP, 8080, InetAddresses.forString("172.18.0.2"), 80, "cnm-web")), false);

    String text = renderer.definition(state);

    assertThat(text).contains("""
        	chain published_ports {
        		iifname != "cnm-web" meta nfproto ipv4 sctp dport 8080 dnat ip to 172.18.0.2:80
        		iifname != "cnm-web" meta nfproto ipv4 ip daddr 192.0.2.1 sctp dport 3868 dnat ip to 172.18.0.3:3868
        		iifname != "cnm-web" meta nfproto ipv6 ip6 daddr 2001:db8::1 sctp dport 2905-2910 dnat ip6 to [fd00:18::2]:2905
        		iifname != "cnm-web" meta nfproto ipv4 tcp dport 8080 dnat ip to 172.18.0.2:80
        	}
        """);
  }

  @Test
  void definition_sctpPort_getsTheSameForwardAndMasqueradeRulesAsTcp() {
    FirewallNetwork web = new FirewallNetwork("web", "cnm-web", List.of(IpPrefix.parseSubnet("172.18.0.0/16")), true,
        false, false);
    FirewallNetwork db = FirewallNetwork.of("db", "cnm-db", List.of(IpPrefix.parseSubnet("172.19.0.0/16")));
    PublishedPort tcp = PublishedPort.of(Protocol.TCP, 8080, InetAddresses.forString("172.18.0.2"), 80, "cnm-web");
    PublishedPort sctp = PublishedPort.of(Protocol.SCTP, 8080, InetAddresses.forString("172.18.0.2"), 80, "cnm-web");

    String withTcp = renderer.definition(new FirewallState(List.of(web, db), List.of(tcp), false));
    String withSctp = renderer.definition(new FirewallState(List.of(web, db), List.of(sctp), false));

    // Only the DNAT rule names the protocol: forward (isolation, icc) and masquerade are the same.
    assertThat(withSctp).isEqualTo(withTcp.replace(" tcp dport 8080 ", " sctp dport 8080 "));
    assertThat(withSctp).contains("""
        	chain filter_forward {
        		type filter hook forward priority filter; policy accept;
        		iifname "cnm-web" oifname { "cnm-db" } drop comment "isolation web"
        		iifname "cnm-db" oifname { "cnm-web" } drop comment "isolation db"
        		iifname "cnm-web" oifname "cnm-web" drop comment "icc off web"
        	}
        """).contains("\t\tip saddr 172.18.0.0/16 oifname != \"cnm-web\" masquerade comment \"masquerade web\"\n");
  }

  @Test
  void definition_sctpPortWithHairpin_dnatsFromTheBridgeToo() {
    String text = hairpinDefinition(Protocol.SCTP);

    assertThat(text).contains("\t\tmeta nfproto ipv4 sctp dport 8080 dnat ip to 172.18.0.2:80\n")
        .contains("\t\tct status dnat oifname \"cnm-web\" ip saddr 172.18.0.0/16 masquerade comment \"hairpin web\"\n");
  }

  @Test
  void applyScript_anyState_createsDeletesThenDefinesBothTables() {
    NftRenderer custom = new NftRenderer("cnmt_x1");

    String script = custom.applyScript(FirewallState.empty());

    assertThat(custom.removeScript()).isEqualTo("add table inet cnmt_x1\ndelete table inet cnmt_x1\n"
        + "add table bridge cnmt_x1\ndelete table bridge cnmt_x1\n");
    assertThat(script).isEqualTo(custom.removeScript() + custom.definition(FirewallState.empty())
        + custom.bridgeDefinition(FirewallState.empty()));
    assertThat(custom.qualifiedBridgeTable()).isEqualTo("bridge cnmt_x1");
  }

  @Test
  void bridgeDefinition_emptyState_holdsOnlyTheForwardBaseChain() {
    assertThat(renderer.bridgeDefinition(FirewallState.empty())).isEqualTo("""
        table bridge cnm {
        	chain filter_forward {
        		type filter hook forward priority filter; policy accept;
        	}
        }
        """);
  }

  @Test
  void bridgeDefinition_iccOffWithPorts_dropsAllButArpBetweenTheNetworksPorts() {
    FirewallNetwork web = new FirewallNetwork("web", "cnm-web", List.of(IpPrefix.parseSubnet("172.18.0.0/16")), true,
        false, false, List.of("cnmb2", "cnma1", "cnmb2"));
    FirewallNetwork gw = new FirewallNetwork("gwbridge", "cnm_gwbridge", List.of(IpPrefix.parseSubnet("172.30.0.0/16")),
        true, false, false, List.of("gw-s1"));
    FirewallNetwork open = new FirewallNetwork("open", "cnm-open", List.of(IpPrefix.parseSubnet("172.19.0.0/16")), true,
        true, false, List.of("cnmc3", "cnmd4"));
    FirewallNetwork unnamed = new FirewallNetwork("unnamed", "cnm-un", List.of(IpPrefix.parseSubnet("172.20.0.0/16")), true,
        false, false);

    String text = renderer.bridgeDefinition(new FirewallState(List.of(web, gw, open, unnamed), List.of(), false));

    assertThat(text).isEqualTo("""
        table bridge cnm {
        	chain filter_forward {
        		type filter hook forward priority filter; policy accept;
        		iifname { "cnma1", "cnmb2" } oifname { "cnma1", "cnmb2" } ether type != arp drop comment "icc off web"
        		iifname { "gw-s1" } oifname { "gw-s1" } ether type != arp drop comment "icc off gwbridge"
        	}
        }
        """);
  }

  @Test
  void definition_iccOffWithPorts_keepsTheRoutedIccRuleInTheInetTable() {
    FirewallNetwork web = new FirewallNetwork("web", "cnm-web", List.of(IpPrefix.parseSubnet("172.18.0.0/16")), true,
        false, false, List.of("cnma1", "cnmb2"));

    String text = renderer.definition(new FirewallState(List.of(web), List.of(), false));

    assertThat(text).contains("\t\tiifname \"cnm-web\" oifname \"cnm-web\" drop comment \"icc off web\"\n")
        .doesNotContain("cnma1");
  }

  @Test
  void firewallNetwork_badPortName_isInvalidArgumentNamingTheField() {
    assertThatThrownBy(() -> new FirewallNetwork("web", "cnm-web", List.of(), true, false, false,
        List.of("cnma1", "x\" drop")))
        .isInstanceOfSatisfying(CnmException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
        .hasMessageContaining("network.ports");
    assertThatThrownBy(() -> new FirewallNetwork("web", "cnm-web", List.of(), true, false, false, List.of("cnm*")))
        .isInstanceOfSatisfying(CnmException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
        .hasMessageContaining("network.ports").hasMessageContaining("'*'");
  }

  @Test
  void constructor_badTableName_isInvalidArgument() {
    assertThatThrownBy(() -> new NftRenderer("cnm; flush ruleset"))
        .isInstanceOfSatisfying(CnmException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
        .hasMessageContaining("firewall.table");
  }

  @Test
  void ipPrefix_hostBitsSet_areCleared() {
    assertThat(IpPrefix.parseSubnet("10.1.2.3/20")).hasToString("10.1.0.0/20");
    assertThat(IpPrefix.parseSubnet("fd00:1:2:3::7/48")).hasToString("fd00:1:2::/48");
  }

  @Test
  void ipPrefix_malformed_isInvalidArgument() {
    assertThatThrownBy(() -> IpPrefix.parseSubnet("10.0.0.0")).hasMessageContaining("CIDR");
    assertThatThrownBy(() -> IpPrefix.parseSubnet("10.0.0.0/33")).hasMessageContaining("out of range");
    assertThatThrownBy(() -> IpPrefix.parseSubnet("example.com/24")).hasMessageContaining("not an IP address");
  }
}
