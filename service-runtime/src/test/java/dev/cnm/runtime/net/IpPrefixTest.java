package dev.cnm.runtime.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class IpPrefixTest {

  @Test
  void parse_keepsHostBits_andDefaultsToAFullLengthPrefix() throws Exception {
    IpPrefix p = IpPrefix.parse("address", "10.1.0.2/24");

    assertThat(p.address()).isEqualTo(InetAddress.getByName("10.1.0.2"));
    assertThat(p.length()).isEqualTo(24);
    assertThat(p.network()).isEqualTo(InetAddress.getByName("10.1.0.0"));
    assertThat(IpPrefix.parse("address", "fd00::2")).hasToString("fd00::2/128");
  }

  @Test
  void parseSubnet_clearsHostBits() {
    assertThat(IpPrefix.parseSubnet("10.1.2.3/20")).hasToString("10.1.0.0/20");
    assertThat(IpPrefix.parseSubnet("fd00:1:2:3::7/48")).hasToString("fd00:1:2::/48");
  }

  @Test
  void parseSubnet_malformed_namesTheSubnetField() {
    assertThatThrownBy(() -> IpPrefix.parseSubnet("10.0.0.0")).hasMessageContaining("subnet").hasMessageContaining("CIDR");
    assertThatThrownBy(() -> IpPrefix.parseSubnet("10.0.0.0/33")).hasMessageContaining("out of range");
    assertThatThrownBy(() -> IpPrefix.parseSubnet("example.com/24")).hasMessageContaining("not an IP address");
  }

  @Test
  void parse_hostName_isRefusedWithoutALookup() {
    assertThatThrownBy(() -> IpPrefix.parse("address", "localhost/8")).hasMessageContaining("address")
        .hasMessageContaining("is not an IP address");
    assertThatThrownBy(() -> IpPrefix.parse("address", "10.0.0.256/8")).hasMessageContaining("is not an IP address");
  }

  @Test
  void contains_addressOfTheSubnet_isTrue_otherFamily_isFalse() throws Exception {
    IpPrefix p = IpPrefix.parse("subnet", "10.1.0.2/23");

    assertThat(p.contains(InetAddress.getByName("10.1.1.200"))).isTrue();
    assertThat(p.contains(InetAddress.getByName("10.1.2.1"))).isFalse();
    assertThat(p.contains(InetAddress.getByName("::1"))).isFalse();
    assertThatThrownBy(() -> p.requireIpv6("gateway")).hasMessageContaining("expected an IPv6 address");
  }
}
