package dev.cnm.agent.dns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.agent.netns.NetNamespace;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SandboxResolversIT {
  private DnsLab lab;
  private SandboxResolvers resolvers;

  @BeforeAll
  static void tools() {
    DnsLab.requireTools();
  }

  @BeforeEach
  void setUp() {
    lab = new DnsLab();
    resolvers = new SandboxResolvers(lab.group);
  }

  @AfterEach
  void tearDown() throws Exception {
    resolvers.close();
    lab.close();
  }

  private static DnsEndpoint endpoint(String network, String name, String address) throws Exception {
    return new DnsEndpoint(network, name, List.of(), "", "", List.of(InetAddress.getByName(address)));
  }

  @Test
  void sync_joinLeaveDelete_startsUpdatesAndClosesResolvers() throws Exception {
    NetNamespace one = lab.sandbox("one");
    NetNamespace two = lab.sandbox("two");
    SandboxResolvers.Desired oneOnA = new SandboxResolvers.Desired(one, Set.of("a"), Upstreams.none());
    SandboxResolvers.Desired twoOnB = new SandboxResolvers.Desired(two, Set.of("b"), Upstreams.none());
    List<DnsEndpoint> endpoints = List.of(endpoint("a", "alpha", "10.7.0.2"), endpoint("b", "beta", "10.8.0.2"));

    assertThat(resolvers.sync(Map.of("s1", oneOnA, "s2", twoOnB), endpoints)).isEmpty();
    assertThat(lab.digShort(one, "alpha")).containsExactly("10.7.0.2");
    assertThat(lab.dig(one, "beta").out()).contains("status: NXDOMAIN");

    // s1 joins b as well: it resolves both networks, without a restart
    SandboxResolver before = resolvers.get("s1").orElseThrow();
    SandboxResolvers.Desired oneOnAb = new SandboxResolvers.Desired(one, Set.of("a", "b"), Upstreams.none());
    assertThat(resolvers.sync(Map.of("s1", oneOnAb, "s2", twoOnB), endpoints)).isEmpty();
    assertThat(resolvers.get("s1")).containsSame(before);
    assertThat(lab.digShort(one, "beta")).containsExactly("10.8.0.2");

    // beta leaves: its name disappears; s2 is deleted: its sockets close
    assertThat(resolvers.sync(Map.of("s1", oneOnAb), List.of(endpoints.get(0)))).isEmpty();
    assertThat(lab.dig(one, "beta").out()).contains("status: NXDOMAIN");
    assertThat(resolvers.get("s2")).isEmpty();
    assertThat(lab.dig(two, "beta").code()).as("nothing listens in a deleted sandbox").isNotZero();
  }

  @Test
  void sync_portTakenInOneSandbox_reportedAndTheOthersServed() throws Exception {
    NetNamespace taken = lab.sandbox("taken");
    NetNamespace fine = lab.sandbox("fine");
    lab.resolver(taken, ResolverRecords.empty(), Upstreams.none()); // someone else's server on 127.0.0.11:53
    List<DnsEndpoint> endpoints = List.of(endpoint("a", "alpha", "10.7.0.2"));

    Map<String, RuntimeException> failed = resolvers.sync(Map.of(
        "t", new SandboxResolvers.Desired(taken, Set.of("a"), Upstreams.none()),
        "f", new SandboxResolvers.Desired(fine, Set.of("a"), Upstreams.none())), endpoints);

    assertThat(failed).containsOnlyKeys("t");
    assertThat(failed.get("t")).hasMessageContaining("127.0.0.11:53");
    assertThat(lab.digShort(fine, "alpha")).containsExactly("10.7.0.2");
  }
}
