package dev.cnm.agent.firewall;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.net.InetAddresses;
import dev.cnm.runtime.net.IpPrefix;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * icc off on a host where bridged frames never reach the {@code inet} hooks: br_netfilter's
 * sysctls are 0 in the test's host namespace (as on a fresh host where the module is not
 * loaded), so only cnm's {@code bridge} table can keep two sandboxes of one bridge apart.
 * <pre>
 *   outside (198.18.92.2) ── veth ── host (198.18.92.1, ip_forward=1, bridge-nf-call-*=0, cnm's tables)
 *                                      └── cnmt-brk 10.92.1.1/24, fd92:1::1/64
 *                                            ├── cnmt-k1 ── s1 10.92.1.2, fd92:1::2 (httpd :80)
 *                                            └── cnmt-k2 ── s2 10.92.1.3, fd92:1::3 (httpd :80)
 * </pre>
 */
class FirewallIccIT {
  private static final String TABLE = "cnmt_icc";
  private static final List<String> BR_NETFILTER_SYSCTLS = List.of("bridge-nf-call-iptables",
      "bridge-nf-call-ip6tables", "bridge-nf-call-arptables");
  @RegisterExtension
  static final FirewallHost FW = new FirewallHost("icch", TABLE);
  private static NetnsLab lab;
  private static String host;
  private static String outside;
  private static String s1;
  private static String s2;

  @BeforeAll
  static void buildTopology() {
    lab = FW.lab();
    host = FW.host();
    outside = lab.namespace("icco");
    s1 = lab.namespace("iccs1");
    s2 = lab.namespace("iccs2");
    // br_netfilter's sysctls are per namespace; where the kernel has them (module loaded or
    // built in, as here), turn them off so bridged traffic bypasses the inet hooks.
    for (String sysctl : BR_NETFILTER_SYSCTLS) {
      if (lab.exec(host, "test", "-e", "/proc/sys/net/bridge/" + sysctl).ok()) {
        NetnsLab.check(List.of("ip", "netns", "exec", host, "sh", "-c", "echo 0 > /proc/sys/net/bridge/" + sysctl));
      }
    }
    NetnsLab.check(List.of("ip", "netns", "exec", host, "sysctl", "-qw", "net.ipv4.ip_forward=1"));
    NetnsLab.check(List.of("ip", "netns", "exec", host, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1"));
    lab.bridge(host, "cnmt-brk", "10.92.1.1/24");
    NetnsLab.check(List.of("ip", "-n", host, "addr", "add", "fd92:1::1/64", "dev", "cnmt-brk", "nodad"));
    lab.attach(host, null, "cnmt-ko", outside, "198.18.92.2/24", null);
    NetnsLab.check(List.of("ip", "-n", host, "addr", "add", "198.18.92.1/24", "dev", "cnmt-ko"));
    lab.attach(host, "cnmt-brk", "cnmt-k1", s1, "10.92.1.2/24", "10.92.1.1");
    lab.attach(host, "cnmt-brk", "cnmt-k2", s2, "10.92.1.3/24", "10.92.1.1");
    NetnsLab.check(List.of("ip", "-n", s1, "addr", "add", "fd92:1::2/64", "dev", "eth0", "nodad"));
    NetnsLab.check(List.of("ip", "-n", s2, "addr", "add", "fd92:1::3/64", "dev", "eth0", "nodad"));
    lab.httpServer(s1, 80, "hello from s1");
    lab.httpServer(s2, 80, "hello from s2");
  }

  private static FirewallNetwork network(boolean icc) {
    return new FirewallNetwork("icc", "cnmt-brk", List.of(IpPrefix.parseSubnet("10.92.1.0/24")), true, icc, false,
        List.of("cnmt-k1", "cnmt-k2"));
  }

  private static PublishedPort s2Web() {
    return PublishedPort.of(Protocol.TCP, 8080, InetAddresses.forString("10.92.1.3"), 80, "cnmt-brk");
  }

  /** One echo answered out of up to three: the first may go while neighbour discovery is still resolving. */
  private static boolean ping6(String ns, String address) {
    return lab.exec(ns, "busybox", "ping6", "-c", "3", "-w", "3", "-W", "1", address).out().matches("(?s).*[1-3] packets received.*");
  }

  @Test
  void hostNamespace_brNetfilterSysctls_areOffOrAbsent() {
    for (String sysctl : BR_NETFILTER_SYSCTLS) {
      NetnsLab.Result r = lab.exec(host, "cat", "/proc/sys/net/bridge/" + sysctl);
      if (r.ok()) {
        assertThat(r.out().strip()).as(sysctl).isEqualTo("0");
      }
    }
  }

  @Test
  void apply_iccOn_sandboxesReachEachOther() {
    FW.firewall().apply(new FirewallState(List.of(network(true)), List.of(), false));

    assertThat(lab.ping(s1, "10.92.1.3")).isTrue();
    assertThat(lab.httpGet(s1, "10.92.1.3", 80).out()).isEqualTo("hello from s2");
    assertThat(lab.httpGet(s2, "10.92.1.2", 80).out()).isEqualTo("hello from s1");
    assertThat(ping6(s1, "fd92:1::3")).isTrue();
  }

  @Test
  void apply_iccOff_sandboxesCannotReachEachOtherButReachTheGatewayAndPublishedPortsWork() {
    FW.firewall().apply(new FirewallState(List.of(network(false)), List.of(s2Web()), false));

    assertThat(lab.ping(s1, "10.92.1.3")).as("ping s1 -> s2").isFalse();
    assertThat(lab.ping(s2, "10.92.1.2")).as("ping s2 -> s1").isFalse();
    assertThat(lab.httpGet(s1, "10.92.1.3", 80).ok()).as("tcp s1 -> s2").isFalse();
    assertThat(lab.httpGet(s2, "10.92.1.2", 80).ok()).as("tcp s2 -> s1").isFalse();
    assertThat(ping6(s1, "fd92:1::3")).as("IPv6 s1 -> s2").isFalse();

    assertThat(lab.ping(s1, "10.92.1.1")).as("s1 -> gateway").isTrue();
    assertThat(lab.ping(s2, "10.92.1.1")).as("s2 -> gateway").isTrue();
    assertThat(ping6(s1, "fd92:1::1")).as("s1 -> IPv6 gateway").isTrue();
    assertThat(lab.ping(s1, "198.18.92.2")).as("s1 egress, masqueraded").isTrue();
    assertThat(lab.httpGet(outside, "198.18.92.1", 8080).out()).as("published port from outside")
        .isEqualTo("hello from s2");
    assertThat(lab.httpGet(host, "198.18.92.1", 8080).out()).as("published port from the host")
        .isEqualTo("hello from s2");
    // ARP between the two is let through, as dockerd's icc=false (IP only) does.
    assertThat(lab.exec(s1, "ip", "neigh", "show", "10.92.1.3").out()).contains("lladdr");
  }

  @Test
  void apply_iccOffThenOn_restoresTraffic() {
    FW.firewall().apply(new FirewallState(List.of(network(false)), List.of(), false));
    assertThat(lab.ping(s1, "10.92.1.3")).isFalse();

    FW.firewall().apply(new FirewallState(List.of(network(true)), List.of(), false));

    assertThat(lab.ping(s1, "10.92.1.3")).isTrue();
    assertThat(FW.firewall().readBridge().rules("filter_forward")).isEmpty();
  }

  @Test
  void apply_iccOffWithoutPortNames_isolatesOnlyRoutedTraffic() {
    // The rule in the inet table alone: what a network without its ports named gets.
    FirewallNetwork unnamed = new FirewallNetwork("icc", "cnmt-brk", List.of(IpPrefix.parseSubnet("10.92.1.0/24")), true,
        false, false);

    FW.firewall().apply(new FirewallState(List.of(unnamed), List.of(), false));

    assertThat(lab.ping(s1, "10.92.1.3")).as("bridged, never seen by the inet table").isTrue();
  }

  @Test
  void drift_bridgeChainFlushedBehindOurBack_isReportedAndRepairedByApply() {
    FirewallState state = new FirewallState(List.of(network(false)), List.of(), false);
    FW.firewall().apply(state);
    NetnsLab.check(List.of("ip", "netns", "exec", host, "nft", "flush", "chain", "bridge", TABLE, "filter_forward"));
    assertThat(lab.ping(s1, "10.92.1.3")).isTrue();

    FirewallDrift drift = FW.firewall().drift().orElseThrow();

    assertThat(drift.missing()).singleElement().asString().startsWith("bridge filter_forward: ")
        .contains("ether type != arp drop");
    assertThat(drift.tableMissing()).isFalse();
    FW.firewall().apply(state);
    assertThat(FW.firewall().drift()).isEmpty();
    assertThat(lab.ping(s1, "10.92.1.3")).isFalse();
  }

  @Test
  void drift_bridgeTableDeleted_isReportedAsAMissingTable() {
    FW.firewall().apply(new FirewallState(List.of(network(false)), List.of(), false));
    NetnsLab.check(List.of("ip", "netns", "exec", host, "nft", "delete", "table", "bridge", TABLE));

    FirewallDrift drift = FW.firewall().drift().orElseThrow();

    assertThat(drift.tableMissing()).isTrue();
    assertThat(drift.missing()).anySatisfy(m -> assertThat(m).startsWith("bridge filter_forward: "));
  }

  @Test
  void remove_deletesBothTables() {
    FW.firewall().apply(new FirewallState(List.of(network(false)), List.of(), false));
    assertThat(FW.firewall().readBridge().exists()).isTrue();

    FW.firewall().remove();

    assertThat(FW.firewall().read().exists()).isFalse();
    assertThat(FW.firewall().readBridge().exists()).isFalse();
    assertThat(lab.exec(host, "nft", "list", "table", "bridge", TABLE).ok()).isFalse();
    assertThat(lab.ping(s1, "10.92.1.3")).isTrue();
  }
}
