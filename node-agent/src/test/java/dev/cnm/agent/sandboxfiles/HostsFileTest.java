package dev.cnm.agent.sandboxfiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.net.InetAddresses;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import java.util.List;
import org.junit.jupiter.api.Test;

class HostsFileTest {

  @Test
  void render_hostnameDomainAddressesAndExtras_matchesLibnetworksLayout() {
    HostsFile hosts = new HostsFile("test", "docker.io",
        List.of(InetAddresses.forString("172.18.0.2"), InetAddresses.forString("fd00::2")),
        List.of(ExtraHost.parse("db:10.0.0.9"), ExtraHost.parse("v6host:2001:db8::1")), true);

    assertThat(hosts.render()).isEqualTo("""
        127.0.0.1\tlocalhost
        ::1\tlocalhost ip6-localhost ip6-loopback
        fe00::0\tip6-localnet
        ff00::0\tip6-mcastprefix
        ff02::1\tip6-allnodes
        ff02::2\tip6-allrouters
        10.0.0.9\tdb
        2001:db8::1\tv6host
        172.18.0.2\ttest.docker.io test
        fd00::2\ttest.docker.io test
        """);
  }

  @Test
  void render_withoutIpv6_dropsIpv6LoopbackLinesAndAddresses() {
    HostsFile hosts = new HostsFile("c1", "", List.of(InetAddresses.forString("10.1.0.2"),
        InetAddresses.forString("fd00::2")), List.of(), false);

    assertThat(hosts.render()).isEqualTo("127.0.0.1\tlocalhost\n10.1.0.2\tc1\n");
  }

  @Test
  void render_noHostname_onlyLoopback() {
    assertThat(new HostsFile("", "", List.of(InetAddresses.forString("10.1.0.2")), List.of(), false).render())
        .isEqualTo("127.0.0.1\tlocalhost\n");
  }

  @Test
  void constructor_badHostname_isInvalidArgument() {
    assertThatThrownBy(() -> new HostsFile("bad name", "", List.of(), List.of(), true))
        .isInstanceOfSatisfying(CnmException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
        .hasMessageContaining("hostname");
    assertThatThrownBy(() -> new HostsFile("ok", "-bad.example", List.of(), List.of(), true))
        .hasMessageContaining("domain_name");
  }

  @Test
  void extraHost_parse_acceptsBracketedIpv6AndRejectsGarbage() {
    assertThat(ExtraHost.parse("h:[::1]").address()).isEqualTo(InetAddresses.forString("::1"));
    assertThatThrownBy(() -> ExtraHost.parse("nocolon")).hasMessageContaining("name:ip");
    assertThatThrownBy(() -> ExtraHost.parse("h:example.com")).hasMessageContaining("not an IP address");
    assertThatThrownBy(() -> ExtraHost.parse("bad name:10.0.0.1")).hasMessageContaining("extra_hosts.name");
  }
}
