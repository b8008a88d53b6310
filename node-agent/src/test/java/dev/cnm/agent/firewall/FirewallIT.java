package dev.cnm.agent.firewall;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.net.InetAddresses;
import dev.cnm.runtime.net.IpPrefix;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * cnm's table on the real kernel, inside namespaces of the test's own:
 * <pre>
 *   outside (198.18.91.2) ── veth ── host (198.18.91.1, ip_forward=1, cnm's table)
 *                                      ├── cnmt-bre 10.91.1.1/24 ── ce 10.91.1.2 (httpd :80), ce2 10.91.1.3
 *                                      ├── cnmt-bri 10.91.2.1/24 ── ci 10.91.2.2   (internal)
 *                                      └── cnmt-brf 10.91.3.1/24 ── cf 10.91.3.2
 * </pre>
 * The outside namespace has no route to the container subnets: only masquerade lets them reach it.
 */
class FirewallIT {
  private static final String TABLE = "cnmt_fw";
  @RegisterExtension
  static final FirewallHost FW = new FirewallHost("fwh", TABLE);
  private static NetnsLab lab;
  private static String host;
  private static String outside;
  private static String ce;
  private static String ce2;
  private static String ci;
  private static String cf;

  @BeforeAll
  static void buildTopology() {
    lab = FW.lab();
    host = FW.host();
    outside = lab.namespace("fwo");
    ce = lab.namespace("fwce");
    ce2 = lab.namespace("fwce2");
    ci = lab.namespace("fwci");
    cf = lab.namespace("fwcf");
    NetnsLab.check(List.of("ip", "netns", "exec", host, "sysctl", "-qw", "net.ipv4.ip_forward=1"));
    lab.bridge(host, "cnmt-bre", "10.91.1.1/24");
    lab.bridge(host, "cnmt-bri", "10.91.2.1/24");
    lab.bridge(host, "cnmt-brf", "10.91.3.1/24");
    lab.attach(host, null, "cnmt-out", outside, "198.18.91.2/24", null);
    NetnsLab.check(List.of("ip", "-n", host, "addr", "add", "198.18.91.1/24", "dev", "cnmt-out"));
    lab.attach(host, "cnmt-bre", "cnmt-ve1", ce, "10.91.1.2/24", "10.91.1.1");
    lab.attach(host, "cnmt-bre", "cnmt-ve2", ce2, "10.91.1.3/24", "10.91.1.1");
    lab.attach(host, "cnmt-bri", "cnmt-vi1", ci, "10.91.2.2/24", "10.91.2.1");
    lab.attach(host, "cnmt-brf", "cnmt-vf1", cf, "10.91.3.2/24", "10.91.3.1");
    // IPv6 beside IPv4 on the published side: the host's outside link and ce.
    NetnsLab.check(List.of("ip", "netns", "exec", host, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1"));
    NetnsLab.check(List.of("ip", "-n", host, "addr", "add", "fd91:1::1/64", "dev", "cnmt-bre", "nodad"));
    NetnsLab.check(List.of("ip", "-n", host, "addr", "add", "fd91:ff::1/64", "dev", "cnmt-out", "nodad"));
    NetnsLab.check(List.of("ip", "-n", outside, "addr", "add", "fd91:ff::2/64", "dev", "eth0", "nodad"));
    NetnsLab.check(List.of("ip", "-n", ce, "addr", "add", "fd91:1::2/64", "dev", "eth0", "nodad"));
    NetnsLab.check(List.of("ip", "-n", ce, "-6", "route", "add", "default", "via", "fd91:1::1"));
    lab.httpServer(ce, 80, "hello from ce");
  }

  private static FirewallNetwork external(boolean icc) {
    return new FirewallNetwork("ext", "cnmt-bre", List.of(IpPrefix.parseSubnet("10.91.1.0/24")), true, icc, false);
  }

  private static FirewallNetwork internal() {
    return new FirewallNetwork("int", "cnmt-bri", List.of(IpPrefix.parseSubnet("10.91.2.0/24")), true, true, true);
  }

  private static FirewallNetwork other() {
    return FirewallNetwork.of("other", "cnmt-brf", List.of(IpPrefix.parseSubnet("10.91.3.0/24")));
  }

  private static PublishedPort web() {
    return PublishedPort.of(Protocol.TCP, 8080, InetAddresses.forString("10.91.1.2"), 80, "cnmt-bre");
  }

  @Test
  void apply_publishedPort_answersFromOutsideAndFromTheHostItself() {
    assertThat(lab.httpGet(outside, "198.18.91.1", 8080).ok()).as("nothing listens on the host before").isFalse();

    FW.firewall().apply(new FirewallState(List.of(external(true)), List.of(web()), false));

    assertThat(lab.httpGet(outside, "198.18.91.1", 8080).out()).isEqualTo("hello from ce");
    assertThat(lab.httpGet(host, "198.18.91.1", 8080).out()).as("output-chain DNAT").isEqualTo("hello from ce");
    assertThat(FW.registry().get("cnm.agent.nft.apply").tag("outcome", "ok").timer().count()).isEqualTo(1);
  }

  @Test
  void apply_ipv6PublishedPort_answersFromOutside() {
    PublishedPort web6 = PublishedPort.of(Protocol.TCP, 8086, InetAddresses.forString("fd91:1::2"), 80, "cnmt-bre");
    FirewallNetwork dualStack = new FirewallNetwork("ext", "cnmt-bre",
        List.of(IpPrefix.parseSubnet("10.91.1.0/24"), IpPrefix.parseSubnet("fd91:1::/64")), true, true, false);

    FW.firewall().apply(new FirewallState(List.of(dualStack), List.of(web(), web6), false));

    assertThat(lab.exec(outside, "curl", "-sS", "-g", "-m", "2", "http://[fd91:ff::1]:8086/index.html").out())
        .isEqualTo("hello from ce");
    assertThat(lab.httpGet(outside, "198.18.91.1", 8086).ok()).as("an IPv6 binding is not published on IPv4").isFalse();
  }

  @Test
  void apply_masqueradeOnAndInternal_onlyTheNonInternalNetworkGetsOut() {
    FW.firewall().apply(new FirewallState(List.of(external(true), internal()), List.of(), false));

    assertThat(lab.ping(ce, "198.18.91.2")).as("masqueraded egress").isTrue();
    assertThat(lab.ping(ci, "198.18.91.2")).as("internal network egress").isFalse();
    assertThat(lab.ping(ci, "10.91.2.1")).as("internal network still reaches its gateway").isTrue();
  }

  @Test
  void apply_withoutMasquerade_outsideCannotAnswer() {
    FirewallNetwork noMasq = new FirewallNetwork("ext", "cnmt-bre", List.of(IpPrefix.parseSubnet("10.91.1.0/24")), false,
        true, false);

    FW.firewall().apply(new FirewallState(List.of(noMasq), List.of(), false));

    assertThat(lab.ping(ce, "198.18.91.2")).isFalse();
  }

  @Test
  void apply_twoBridgeNetworks_areIsolated() {
    assertThat(lab.ping(ce, "10.91.3.2")).as("routed between bridges without cnm's table").isTrue();

    FW.firewall().apply(new FirewallState(List.of(external(true), other()), List.of(), false));

    assertThat(lab.ping(ce, "10.91.3.2")).isFalse();
    assertThat(lab.ping(cf, "10.91.1.2")).isFalse();
  }

  @Test
  void apply_iccOff_dropsTrafficWithinTheBridge() {
    // Whatever br_netfilter's state in this namespace (FirewallIccIT turns it off): the bridge
    // table drops bridged frames, and with br_netfilter on the inet rule drops them as well.
    FirewallNetwork iccOff = new FirewallNetwork("ext", "cnmt-bre", List.of(IpPrefix.parseSubnet("10.91.1.0/24")), true,
        false, false, List.of("cnmt-ve1", "cnmt-ve2"));
    FW.firewall().apply(new FirewallState(List.of(external(true)), List.of(), false));
    assertThat(lab.ping(ce, "10.91.1.3")).isTrue();

    FW.firewall().apply(new FirewallState(List.of(iccOff), List.of(), false));

    assertThat(lab.ping(ce, "10.91.1.3")).isFalse();
    assertThat(lab.ping(ce, "10.91.1.1")).as("the gateway").isTrue();
  }

  @Test
  void apply_hairpin_containerReachesItsOwnPublishedPort() {
    FW.firewall().apply(new FirewallState(List.of(external(true)), List.of(web()), true));
    // With br_netfilter, a DNAT back into the same bridge is bridged, not routed: a container
    // reaching itself needs its bridge port in hairpin mode (the bridge driver sets it, as dockerd
    // does when its userland proxy is off).
    NetnsLab.check(List.of("ip", "-n", host, "link", "set", "cnmt-ve1", "type", "bridge_slave", "hairpin", "on"));
    try {
      assertThat(lab.httpGet(ce2, "198.18.91.1", 8080).out()).as("neighbour via the host address").isEqualTo("hello from ce");
      assertThat(lab.httpGet(ce2, "10.91.1.1", 8080).out()).as("neighbour via the gateway").isEqualTo("hello from ce");
      assertThat(lab.httpGet(ce, "10.91.1.1", 8080).out()).as("itself").isEqualTo("hello from ce");
    } finally {
      NetnsLab.check(List.of("ip", "-n", host, "link", "set", "cnmt-ve1", "type", "bridge_slave", "hairpin", "off"));
    }
  }

  @Test
  void apply_withoutHairpin_containerCannotUseThePublishedPort() {
    FW.firewall().apply(new FirewallState(List.of(external(true)), List.of(web()), false));

    assertThat(lab.httpGet(ce2, "10.91.1.1", 8080).ok()).isFalse();
  }

  @Test
  void apply_twice_isIdempotentAndShowsNoDrift() {
    FirewallState state = new FirewallState(List.of(external(true), internal(), other()), List.of(web()), false);
    NftTableListing first = FW.firewall().apply(state);

    NftTableListing second = FW.firewall().apply(state);

    assertThat(second.chains()).isEqualTo(first.chains());
    assertThat(second.rules("published_ports")).hasSize(1);
    assertThat(FW.firewall().drift()).isEmpty();
    assertThat(lab.httpGet(outside, "198.18.91.1", 8080).out()).isEqualTo("hello from ce");
  }

  @Test
  void drift_ruleFlushedBehindOurBack_isReportedAndRepairedByApply() {
    FirewallState state = new FirewallState(List.of(external(true), other()), List.of(web()), false);
    FW.firewall().apply(state);
    NetnsLab.check(List.of("ip", "netns", "exec", host, "nft", "flush", "chain", "inet", TABLE, "published_ports"));

    FirewallDrift drift = FW.firewall().drift().orElseThrow();

    assertThat(drift.missing()).singleElement().asString().startsWith("published_ports: ").contains("dnat ip to 10.91.1.2:80");
    assertThat(drift.tableMissing()).isFalse();
    FW.firewall().apply(state);
    assertThat(FW.firewall().drift()).isEmpty();
  }

  @Test
  void applyAndRemove_foreignTable_isLeftUntouched() {
    NetnsLab.check(List.of("ip", "netns", "exec", host, "nft", "add", "table", "inet", "cnmt_foreign"));
    NetnsLab.check(List.of("ip", "netns", "exec", host, "nft", "add", "chain", "inet", "cnmt_foreign", "c",
        "{ type filter hook input priority 10; policy accept; }"));
    NetnsLab.check(List.of("ip", "netns", "exec", host, "nft", "add", "rule", "inet", "cnmt_foreign", "c",
        "tcp", "dport", "9", "counter", "accept"));
    String before = lab.exec(host, "nft", "list", "table", "inet", "cnmt_foreign").out();
    try {
      FW.firewall().apply(new FirewallState(List.of(external(true)), List.of(web()), false));
      FW.firewall().apply(FirewallState.empty());
      FW.firewall().remove();

      assertThat(lab.exec(host, "nft", "list", "table", "inet", "cnmt_foreign").out()).isEqualTo(before);
      assertThat(FW.firewall().read().exists()).isFalse();
    } finally {
      lab.exec(host, "nft", "delete", "table", "inet", "cnmt_foreign");
    }
  }

  @Test
  void remove_absentTable_succeeds() {
    FW.firewall().remove();

    assertThat(FW.firewall().read().exists()).isFalse();
  }
}
