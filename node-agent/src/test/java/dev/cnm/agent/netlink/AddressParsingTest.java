package dev.cnm.agent.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.runtime.net.IpPrefix;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The hand-written MAC and IP literal parsers accept exactly the syntax of the regular
 * expressions they replaced, with the same messages; no input makes them look a name up.
 */
class AddressParsingTest {

  private static void invalid(Runnable r, String message) {
    assertThatThrownBy(r::run).isInstanceOfSatisfying(CnmException.class,
        e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT)).hasMessageContaining(message);
  }

  /** The parser this class replaced, kept as the reference: split on [:-], each octet two hex digits. */
  private static String referenceMac(String text) {
    String[] parts = text.split("[:-]", -1);
    if (parts.length != 6) {
      return "malformed MAC address '" + text + "': expected 6 hex octets";
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 6; i++) {
      if (parts[i].length() != 2 || !parts[i].matches("[0-9a-fA-F]{2}")) {
        return "malformed MAC address '" + text + "': octet '" + parts[i] + "'";
      }
      b.append(i == 0 ? "" : ":").append(parts[i].toLowerCase());
    }
    return b.toString();
  }

  private static String parsedMac(String text) {
    try {
      return MacAddress.parse("mac", text).toString();
    } catch (CnmException e) {
      return e.getMessage().substring(e.getMessage().indexOf("malformed"));
    }
  }

  @Test
  void macParse_edgeCases_acceptedOrRejectedWithTheOctetNamed() {
    assertThat(MacAddress.parse("m", "02-42:0A-0b:FF-00").toString()).isEqualTo("02:42:0a:0b:ff:00");
    invalid(() -> MacAddress.parse("m", null), "MAC address is missing");
    invalid(() -> MacAddress.parse("m", ""), "expected 6 hex octets");
    invalid(() -> MacAddress.parse("m", "02:42:0a:00:00:00:01"), "expected 6 hex octets");
    invalid(() -> MacAddress.parse("m", "024:2:0a:00:00:00"), "octet '024'");
    invalid(() -> MacAddress.parse("m", "02:42:0a:00:00:"), "octet ''");
    invalid(() -> MacAddress.parse("m", ":02:42:0a:00:00"), "octet ''");
    invalid(() -> MacAddress.parse("m", "02:42:0a:00:00:0g"), "octet '0g'");
    invalid(() -> MacAddress.parse("m", "02:42:0a:00:00:\u0661\u0662"), "octet '\u0661\u0662'"); // Arabic-Indic digits
    invalid(() -> MacAddress.parse("m", "02:42:0a:00:00: 1"), "octet ' 1'");
  }

  @Test
  void macParse_randomText_agreesWithTheRegexParser() {
    Random r = new Random(42);
    String alphabet = "0aF:-g \u0661";
    for (int i = 0; i < 20_000; i++) {
      StringBuilder b = new StringBuilder();
      int n = 14 + r.nextInt(6);
      for (int j = 0; j < n; j++) {
        // mostly well-formed text with a few mutations, so both branches are reached
        b.append(j % 3 == 2 ? (r.nextInt(8) == 0 ? alphabet.charAt(r.nextInt(alphabet.length())) : ':')
            : (r.nextInt(8) == 0 ? alphabet.charAt(r.nextInt(alphabet.length())) : "0123456789abcdefABCDEF".charAt(r.nextInt(22))));
      }
      String text = b.toString();
      assertThat(parsedMac(text)).as(text).isEqualTo(referenceMac(text));
    }
  }

  @Test
  void parseAddress_dottedQuads_matchTheJdkParser() throws Exception {
    Random r = new Random(7);
    for (int i = 0; i < 5_000; i++) {
      String text = r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(256);
      InetAddress a = IpPrefix.parseAddress("a", text);
      assertThat(a).isInstanceOf(Inet4Address.class).isEqualTo(InetAddress.getByName(text));
      assertThat(a.getHostAddress()).isEqualTo(text);
    }
    // leading zeros are left to the JDK, as before (some JDK builds refuse them as ambiguous)
    String zeros = "010.001.0.00";
    InetAddress jdk;
    try {
      jdk = InetAddress.getByName(zeros);
    } catch (java.net.UnknownHostException e) {
      jdk = null;
    }
    if (jdk != null) {
      assertThat(IpPrefix.parseAddress("a", zeros)).isEqualTo(jdk);
    } else {
      invalid(() -> IpPrefix.parseAddress("a", zeros), "is not an IP address");
    }
  }

  @Test
  void parseAddress_malformed_isRejectedWithoutALookup() {
    for (String bad : new String[] {"", "1.2.3", "1.2.3.4.5", "1..2.3", ".1.2.3", "1.2.3.", "1234.1.1.1", "256.1.1.1",
        "1.2.3.300", "a.b.c.d", "1.2.3.4 ", "+1.2.3.4", "\u0661.2.3.4", "localhost", "fe80::1%eth0", "1:2:3",
        "1::2::3", "::1.2.3", "fd00::g"}) {
      invalid(() -> IpPrefix.parseAddress("addr", bad), "'" + bad + "' is not an IP address");
    }
    invalid(() -> IpPrefix.parseAddress("addr", null), "'null' is not an IP address");
  }

  @Test
  void parseAddress_ipv6Literals_parse() throws Exception {
    assertThat(IpPrefix.parseAddress("a", "fd00::2")).isInstanceOf(Inet6Address.class)
        .isEqualTo(InetAddress.getByName("fd00::2"));
    assertThat(IpPrefix.parseAddress("a", "::")).isEqualTo(InetAddress.getByName("::"));
    assertThat(IpPrefix.parseAddress("a", "A:B:C:D:E:F:1:2").getHostAddress()).isEqualTo("a:b:c:d:e:f:1:2");
    assertThat(IpPrefix.parseAddress("a", "::ffff:10.0.0.1")).isEqualTo(InetAddress.getByName("10.0.0.1"));
  }

  @Test
  void parsePrefix_lengths_checkedAsBefore() {
    assertThat(IpPrefix.parse("p", "10.1.2.3/0").length()).isZero();
    assertThat(IpPrefix.parse("p", "10.1.2.3").length()).isEqualTo(32);
    assertThat(IpPrefix.parse("p", "fd00::1/128").length()).isEqualTo(128);
    invalid(() -> IpPrefix.parse("p", "fd00::1/129"), "out of range [0, 128]");
    invalid(() -> IpPrefix.parse("p", "10.1.2.3/"), "malformed prefix length");
    invalid(() -> IpPrefix.parse("p", "10.1.2.3/-1"), "out of range [0, 32]");
    invalid(() -> IpPrefix.parse("p", "/24"), "'' is not an IP address");
    invalid(() -> IpPrefix.parse("p", null), "address is missing");
  }
}
