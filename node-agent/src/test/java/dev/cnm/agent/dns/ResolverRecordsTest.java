package dev.cnm.agent.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ResolverRecordsTest {
  private static InetAddress ip(String literal) throws Exception {
    return InetAddress.getByName(literal);
  }

  private static ResolverRecords onA() throws Exception {
    return ResolverRecords.of(Set.of("a"), List.of(
        new DnsEndpoint("a", "Web", List.of("front", "bad_alias!"), "abcdef0123456789", "web-host",
            List.of(ip("10.0.0.2"), ip("fd00::2"))),
        new DnsEndpoint("a", "cache1", List.of("cache"), "", "", List.of(ip("10.0.0.4"))),
        new DnsEndpoint("a", "cache2", List.of("cache"), "", "", List.of(ip("10.0.0.5"))),
        new DnsEndpoint("b", "secret", List.of("cache"), "", "", List.of(ip("10.1.0.9")))));
  }

  @Test
  void addresses_anyCaseWithOrWithoutTrailingDot_sameAnswer() throws Exception {
    ResolverRecords r = onA();
    assertThat(r.addresses("web", false)).contains(List.of(ip("10.0.0.2")));
    assertThat(r.addresses("WEB.", false)).contains(List.of(ip("10.0.0.2")));
    assertThat(r.addresses("Front.", true)).contains(List.of(ip("fd00::2")));
  }

  @Test
  void addresses_containerIdAndHostName_answerFullAndShortId() throws Exception {
    ResolverRecords r = onA();
    assertThat(r.addresses("abcdef0123456789", false)).contains(List.of(ip("10.0.0.2")));
    assertThat(r.addresses("abcdef012345", false)).contains(List.of(ip("10.0.0.2")));
    assertThat(r.addresses("web-host", false)).contains(List.of(ip("10.0.0.2")));
  }

  @Test
  void addresses_invalidAlias_leftOutAndTheRestKept() throws Exception {
    ResolverRecords r = onA();
    assertThat(r.knows("bad_alias!")).isFalse();
    assertThat(r.knows("front")).isTrue();
  }

  @Test
  void addresses_sharedName_allAddressesRotatingEachLookup() throws Exception {
    ResolverRecords r = onA();
    List<InetAddress> first = r.addresses("cache", false).orElseThrow();
    List<InetAddress> second = r.addresses("cache", false).orElseThrow();
    List<InetAddress> third = r.addresses("cache", false).orElseThrow();
    assertThat(first).containsExactly(ip("10.0.0.4"), ip("10.0.0.5"));
    assertThat(second).containsExactly(ip("10.0.0.5"), ip("10.0.0.4"));
    assertThat(third).isEqualTo(first);
  }

  @Test
  void addresses_nameOfNetworkNotJoined_unknown() throws Exception {
    ResolverRecords r = onA();
    assertThat(r.knows("secret")).isFalse();
    assertThat(r.addresses("secret", false)).isEmpty();
    assertThat(r.pointers("9.0.1.10.in-addr.arpa")).isEmpty();
  }

  @Test
  void addresses_twoNetworksJoined_namesOfBothAndSharedNameUnited() throws Exception {
    ResolverRecords both = ResolverRecords.of(Set.of("a", "b"), onAEndpoints());
    assertThat(both.knows("secret")).isTrue();
    assertThat(both.addresses("cache", false).orElseThrow()).hasSize(3);
  }

  @Test
  void addresses_knownNameWithoutThatFamily_emptyListNotUnknown() throws Exception {
    ResolverRecords r = onA();
    assertThat(r.addresses("cache1", true)).contains(List.of());
    assertThat(r.addresses("nowhere", true)).isEmpty();
  }

  @Test
  void pointers_endpointAddresses_answerEndpointNameQualified() throws Exception {
    ResolverRecords r = onA();
    assertThat(r.pointers("2.0.0.10.in-addr.arpa.")).containsExactly("web.");
    assertThat(r.pointers("2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa"))
        .containsExactly("web.");
  }

  @Test
  void empty_knowsNothing() {
    assertThat(ResolverRecords.empty().knows("web")).isFalse();
    assertThat(ResolverRecords.empty().size()).isZero();
  }

  private static List<DnsEndpoint> onAEndpoints() throws Exception {
    return List.of(
        new DnsEndpoint("a", "cache1", List.of("cache"), "", "", List.of(ip("10.0.0.4"))),
        new DnsEndpoint("a", "cache2", List.of("cache"), "", "", List.of(ip("10.0.0.5"))),
        new DnsEndpoint("b", "secret", List.of("cache"), "", "", List.of(ip("10.1.0.9"))));
  }
}
