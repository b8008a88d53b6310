package dev.cnm.agent.firewall;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.net.InetAddresses;
import dev.cnm.runtime.net.IpPrefix;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * SCTP published ports in cnm's table on the real kernel, inside a namespace of the test's own
 * ({@code cnmt-fsh-…} holding bridge {@code cnmt-brs} 10.92.1.1/24, fd92:1::1/64 and the
 * table {@code inet cnmt_fwsctp}).
 *
 * <p>Only the rules are checked: sending SCTP needs SCTP sockets ({@code CONFIG_IP_SCTP}),
 * which the machine these tests were written on lacks, while nftables' {@code sctp dport}
 * match and the NAT of it load without them.
 */
class FirewallSctpIT {
  private static final String TABLE = "cnmt_fwsctp";
  @RegisterExtension
  static final FirewallHost FW = new FirewallHost("fsh", TABLE);
  private static final String BRIDGE = "cnmt-brs";
  private static NetnsLab lab;
  private static String host;

  @BeforeAll
  static void buildTopology() {
    lab = FW.lab();
    host = FW.host();
    lab.bridge(host, BRIDGE, "10.92.1.1/24");
    NetnsLab.check(List.of("ip", "-n", host, "addr", "add", "fd92:1::1/64", "dev", BRIDGE, "nodad"));
  }

  private static FirewallNetwork network() {
    return new FirewallNetwork("sctpnet", BRIDGE,
        List.of(IpPrefix.parseSubnet("10.92.1.0/24"), IpPrefix.parseSubnet("fd92:1::/64")), true, true, false);
  }

  /** tcp, udp and sctp on the same host port, plus sctp with a host address and range, and sctp over IPv6. */
  private static List<PublishedPort> ports() {
    return List.of(
        PublishedPort.of(Protocol.TCP, 3868, InetAddresses.forString("10.92.1.2"), 3868, BRIDGE),
        PublishedPort.of(Protocol.UDP, 3868, InetAddresses.forString("10.92.1.2"), 3868, BRIDGE),
        PublishedPort.of(Protocol.SCTP, 3868, InetAddresses.forString("10.92.1.2"), 3868, BRIDGE),
        new PublishedPort(Protocol.SCTP, Optional.of(InetAddresses.forString("198.18.92.1")), 2905, 2910,
            InetAddresses.forString("10.92.1.3"), 2905, BRIDGE),
        PublishedPort.of(Protocol.SCTP, 9899, InetAddresses.forString("fd92:1::2"), 9899, BRIDGE));
  }

  /** The table as {@code nft} itself lists it, not through the code under test. */
  private static NftTableListing listedByNft() {
    NetnsLab.Result r = NetnsLab.check(List.of("ip", "netns", "exec", host, "nft", "list", "table", "inet", TABLE));
    return NftTableListing.parse(r.out());
  }

  @Test
  void apply_tcpUdpAndSctpPorts_kernelHoldsAnSctpDnatRuleForEach() {
    NftTableListing applied = FW.firewall().apply(new FirewallState(List.of(network()), ports(), false));

    NftTableListing listed = listedByNft();
    assertThat(listed.rules("published_ports")).containsExactly(
        "iifname != \"cnmt-brs\" meta nfproto ipv4 tcp dport 3868 dnat ip to 10.92.1.2:3868",
        "iifname != \"cnmt-brs\" meta nfproto ipv4 udp dport 3868 dnat ip to 10.92.1.2:3868",
        "iifname != \"cnmt-brs\" meta nfproto ipv4 sctp dport 3868 dnat ip to 10.92.1.2:3868",
        // nft drops the redundant "meta nfproto ipv4" when "ip daddr" already implies it
        "iifname != \"cnmt-brs\" ip daddr 198.18.92.1 sctp dport 2905-2910 dnat ip to 10.92.1.3:2905",
        "iifname != \"cnmt-brs\" meta nfproto ipv6 sctp dport 9899 dnat ip6 to [fd92:1::2]:9899");
    assertThat(listed.rules("nat_prerouting")).containsExactly("fib daddr type local jump published_ports");
    assertThat(listed.rules("nat_postrouting")).containsExactly(
        "ip saddr 10.92.1.0/24 oifname != \"cnmt-brs\" masquerade comment \"masquerade sctpnet\"",
        "ip6 saddr fd92:1::/64 oifname != \"cnmt-brs\" masquerade comment \"masquerade sctpnet\"");
    assertThat(listed.headers().get("filter_forward"))
        .isEqualTo("type filter hook forward priority filter; policy accept;");
    assertThat(applied.chains()).as("what apply reports is what the kernel holds").isEqualTo(listed.chains());
    assertThat(FW.firewall().drift()).isEmpty();
    assertThat(FW.registry().get("cnm.agent.nft.rules").gauge().value()).isEqualTo(listed.allRules().size());
  }

  @Test
  void apply_sctpPortWithHairpin_dnatsFromTheBridgeAndMasqueradesBackIntoIt() {
    FW.firewall().apply(new FirewallState(List.of(network()), ports(), true));

    NftTableListing listed = listedByNft();
    assertThat(listed.rules("published_ports"))
        .contains("meta nfproto ipv4 sctp dport 3868 dnat ip to 10.92.1.2:3868")
        .noneMatch(rule -> rule.startsWith("iifname"));
    assertThat(listed.rules("nat_postrouting"))
        .contains("ct status dnat oifname \"cnmt-brs\" ip saddr 10.92.1.0/24 masquerade comment \"hairpin sctpnet\"");
  }

  @Test
  void apply_withoutTheSctpPorts_removesOnlyTheirRules() {
    FW.firewall().apply(new FirewallState(List.of(network()), ports(), false));
    List<PublishedPort> tcpAndUdp = ports().stream().filter(p -> p.protocol() != Protocol.SCTP).toList();

    FW.firewall().apply(new FirewallState(List.of(network()), tcpAndUdp, false));

    assertThat(listedByNft().rules("published_ports")).containsExactly(
        "iifname != \"cnmt-brs\" meta nfproto ipv4 tcp dport 3868 dnat ip to 10.92.1.2:3868",
        "iifname != \"cnmt-brs\" meta nfproto ipv4 udp dport 3868 dnat ip to 10.92.1.2:3868");
  }

  @Test
  void drift_sctpRuleDeletedBehindOurBack_isReportedAndRepairedByApply() {
    FirewallState state = new FirewallState(List.of(network()), ports(), false);
    FW.firewall().apply(state);
    String handle = handleOf("sctp dport 2905-2910");
    NetnsLab.check(List.of("ip", "netns", "exec", host, "nft", "delete", "rule", "inet", TABLE, "published_ports",
        "handle", handle));

    FirewallDrift drift = FW.firewall().drift().orElseThrow();

    assertThat(drift.missing()).containsExactly(
        "published_ports: iifname != \"cnmt-brs\" ip daddr 198.18.92.1 sctp dport 2905-2910 dnat ip to 10.92.1.3:2905");
    assertThat(drift.unexpected()).isEmpty();
    FW.firewall().apply(state);
    assertThat(FW.firewall().drift()).isEmpty();
  }

  @Test
  void remove_afterSctpPorts_leavesNoTable() {
    FW.firewall().apply(new FirewallState(List.of(network()), ports(), false));

    FW.firewall().remove();

    assertThat(NetnsLab.run(List.of("ip", "netns", "exec", host, "nft", "list", "table", "inet", TABLE)).ok())
        .isFalse();
    assertThat(FW.firewall().read().exists()).isFalse();
  }

  /** The handle of the one published_ports rule containing {@code fragment}, from {@code nft -a}. */
  private static String handleOf(String fragment) {
    String listing = NetnsLab.check(List.of("ip", "netns", "exec", host, "nft", "-a", "list", "chain", "inet", TABLE,
        "published_ports")).out();
    List<String> lines = listing.lines().filter(l -> l.contains(fragment)).toList();
    assertThat(lines).as("rules with '%s' in %s", fragment, listing).hasSize(1);
    String line = lines.get(0);
    return line.substring(line.lastIndexOf("# handle ") + "# handle ".length()).strip();
  }
}
