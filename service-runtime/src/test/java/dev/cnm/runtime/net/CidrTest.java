package dev.cnm.runtime.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import org.junit.jupiter.api.Test;

class CidrTest {

  @Test
  void parse_hostBitsSet_keepsTheAddressAsWritten_andNetworkTextClearsThem() {
    Cidr c = Cidr.parse("subnet", "10.1.2.3/16");

    assertThat(c).hasToString("10.1.2.3/16");
    assertThat(c.addressText()).isEqualTo("10.1.2.3");
    assertThat(c.networkText()).isEqualTo("10.1.0.0/16");
    assertThat(c).isNotEqualTo(Cidr.parse("subnet", "10.1.0.0/16"));
  }

  @Test
  void parseNetwork_hostBitsSet_clearsThem() {
    Cidr c = Cidr.parseNetwork("pool", "10.1.2.3/16");

    assertThat(c).hasToString("10.1.0.0/16").isEqualTo(Cidr.parse("pool", "10.1.0.0/16"));
    assertThat(Cidr.parseNetwork("pool", "fd00:1:2:3::7/48")).hasToString("fd00:1:2::/48");
  }

  @Test
  void parse_malformed_isInvalidArgumentNamingTheField() {
    assertThatThrownBy(() -> Cidr.parse("network.subnet", "10.0.0.0"))
        .isInstanceOf(CnmException.class).hasMessageContaining("network.subnet").hasMessageContaining("not a CIDR")
        .extracting(e -> ((CnmException) e).kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
    assertThatThrownBy(() -> Cidr.parse("f", "10.0.0.0/33")).hasMessageContaining("out of range");
    assertThatThrownBy(() -> Cidr.parse("f", "example.com/24")).hasMessageContaining("not an IP address");
    assertThatThrownBy(() -> Cidr.parseNetwork("pool", "10.0.0.0")).hasMessageContaining("pool")
        .hasMessageContaining("is not a CIDR");
    assertThatThrownBy(() -> Cidr.parseNetwork("pool", "10.0.0.0/+8")).hasMessageContaining("out of range");
  }

  @Test
  void parseAddress_leadingZeros_readAsDecimal_whereTheNetworkGrammarRefusesThem() {
    assertThat(Cidr.parseAddress("gateway", "010.001.000.001")).containsExactly(10, 1, 0, 1);
    assertThatThrownBy(() -> Cidr.parseAddressHalves("address", "010.001.000.001"))
        .hasMessageContaining("is not an IP address");
  }

  @Test
  void containsAndOverlaps_agreeForBothReadings() {
    Cidr subnet = Cidr.parse("subnet", "10.1.2.3/16");

    assertThat(subnet.contains(Cidr.parseAddress("gw", "10.1.255.254"))).isTrue();
    assertThat(subnet.contains(Cidr.parseAddress("gw", "10.2.0.1"))).isFalse();
    assertThat(subnet.contains(Cidr.parse("range", "10.1.4.0/24"))).isTrue();
    assertThat(subnet.contains(Cidr.parse("range", "10.0.0.0/8"))).isFalse();
    assertThat(Cidr.parseNetwork("pool", "fd00::/48").overlaps(Cidr.parseNetwork("pool", "fd00:0:0:5::/64"))).isTrue();
    assertThat(Cidr.parseNetwork("pool", "10.0.0.0/24").overlaps(Cidr.parse("subnet", "10.0.1.0/24"))).isFalse();
  }

  @Test
  void ordinals_numberTheAddressesFromTheNetworkAddress() {
    Cidr pool = Cidr.parseNetwork("pool", "10.1.0.0/16");
    long[] address = Cidr.parseAddressHalves("address", "10.1.1.2");

    assertThat(pool.containsAddress(address)).isTrue();
    assertThat(pool.ordinalOf(address)).isEqualTo(258);
    assertThat(pool.addressAt(258)).isEqualTo("10.1.1.2");
    assertThat(pool.lastOrdinal()).isEqualTo(65535);
    assertThat(pool.ordinalOf(pool.withPrefix(24).next())).isEqualTo(256);
    assertThat(Cidr.parseNetwork("pool", "fd00::/64").addressAt(1)).isEqualTo("fd00::1");
    assertThat(Cidr.parseNetwork("pool", "fd00::/64").lastOrdinal()).isEqualTo(-2L);
  }

  @Test
  void next_lastNetworkOfTheFamily_isNull() {
    assertThat(Cidr.parseNetwork("pool", "10.0.0.0/24").next()).hasToString("10.0.1.0/24");
    assertThat(Cidr.parseNetwork("pool", "255.255.255.0/24").next()).isNull();
    assertThat(Cidr.parseNetwork("pool", "fd00::/64").next()).hasToString("fd00:0:0:1::/64");
  }

  @Test
  void format_ipv6_isRfc5952() {
    assertThat(Cidr.format(Cidr.parseAddress("a", "2001:DB8:0:0:1:0:0:1"))).isEqualTo("2001:db8::1:0:0:1");
    assertThat(Cidr.format(Cidr.parseAddress("a", "0:0:0:0:0:0:0:1"))).isEqualTo("::1");
    assertThat(Cidr.parse("s", "fd00:0:0:0:0:0:0:0/64")).hasToString("fd00::/64");
  }
}
