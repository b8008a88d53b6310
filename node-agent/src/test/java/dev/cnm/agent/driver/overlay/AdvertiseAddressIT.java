package dev.cnm.agent.driver.overlay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cnm.agent.process.NodeAgentProcess;
import dev.cnm.agent.netlink.NetlinkHandle;
import dev.cnm.agent.netlink.Route;
import dev.cnm.agent.netlink.link.Veth;
import dev.cnm.agent.netlink.link.LinkSpec;
import dev.cnm.agent.netns.Namespaces;
import dev.cnm.agent.netns.NetNamespace;
import dev.cnm.agent.testsupport.KernelFixture;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.runtime.net.IpPrefix;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The node's advertise address: checked to be this node's, or picked from the default route. */
class AdvertiseAddressIT {
  private final KernelFixture fx = new KernelFixture();

  @AfterEach
  void tearDown() {
    fx.close();
  }

  /** A "host" with 10.79.0.5/24 on a veth, and a default route via 10.79.0.1 when asked. */
  private NetNamespace lastHost;

  private NetlinkHandle host(boolean defaultRoute) {
    NetNamespace ns = fx.namespace(defaultRoute ? "adv-r" : "adv");
    lastHost = ns;
    NetlinkHandle nl = fx.handle(ns);
    nl.links().add(LinkSpec.of("ul0", new Veth("ul1", null, 1500, ns.fd())).withUp(true));
    nl.links().setUp("ul1");
    int index = nl.links().get("ul0").index();
    nl.addresses().add(index, IpPrefix.parse("ul", "10.79.0.5/24"));
    if (defaultRoute) {
      nl.routes().add(Route.defaultVia(IpPrefix.parseAddress("gw", "10.79.0.1"), index));
    }
    return nl;
  }

  @Test
  void resolve_addressOfThisNode_isAccepted() {
    assertThat(AdvertiseAddress.resolve("10.79.0.5", host(false))).contains(IpPrefix.parseAddress("ip", "10.79.0.5"));
  }

  @Test
  void resolve_addressNotOnThisNode_failedPreconditionNamingTheFlag() {
    NetlinkHandle nl = host(false);
    assertThatThrownBy(() -> AdvertiseAddress.resolve("10.79.0.6", nl)).isInstanceOfSatisfying(CnmException.class, e -> {
      assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION);
      assertThat(e.reason()).isEqualTo("ADVERTISE_ADDRESS_NOT_LOCAL");
      assertThat(e.getMessage()).startsWith("--advertise-address 10.79.0.6 is not an address of this node")
          .contains("10.79.0.5");
    });
  }

  @Test
  void resolve_notAnAddress_invalidArgument() {
    NetlinkHandle nl = host(false);
    assertThatThrownBy(() -> AdvertiseAddress.resolve("node-a.example", nl)).isInstanceOfSatisfying(CnmException.class,
        e -> {
          assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
          assertThat(e.getMessage()).contains("--advertise-address 'node-a.example'");
        });
  }

  @Test
  void resolve_noneGiven_takesTheDefaultRouteInterfacesAddress_orNone() {
    assertThat(AdvertiseAddress.resolve("", host(true))).contains(IpPrefix.parseAddress("ip", "10.79.0.5"));
    assertThat(AdvertiseAddress.resolve(null, host(false))).isEqualTo(Optional.empty());
  }

  @Test
  void agentStart_registersTheOverlayCapability_onlyWithAnAddressOtherNodesCanReach() throws Exception {
    NetlinkHandle nl = host(true);
    nl.links().setUp("lo");
    NetNamespace ns = lastHost;
    ManagedChannel channel = InProcessChannelBuilder.forName("cnmt-nowhere").build();
    try {
      // started on a thread inside the test's "host": every socket the agent opens stays there
      NodeAgentProcess picked = Namespaces.runIn(ns, () -> NodeAgentProcess.start(channel, "cnmt-n1", "",
          fx.stateDir.resolve("a1"), "cnmt_adv", false, new SimpleMeterRegistry()));
      try {
        assertThat(picked.registration().getAdvertiseAddress()).isEqualTo("10.79.0.5");
        assertThat(picked.registration().getCapabilitiesList()).contains("bridge", "overlay");
      } finally {
        picked.close();
      }
      NodeAgentProcess loopback = Namespaces.runIn(ns, () -> NodeAgentProcess.start(channel, "cnmt-n1", "127.0.0.1",
          fx.stateDir.resolve("a2"), "cnmt_adv", false, new SimpleMeterRegistry()));
      try {
        assertThat(loopback.registration().getAdvertiseAddress()).isEqualTo("127.0.0.1");
        assertThat(loopback.registration().getCapabilitiesList()).contains("bridge").doesNotContain("overlay");
      } finally {
        loopback.close();
      }
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void agentStart_advertiseAddressNotOnThisNode_refusesAndStartsNothing() {
    ManagedChannel channel = InProcessChannelBuilder.forName("cnmt-nowhere").build();
    Path state = fx.stateDir.resolve("agent-refused");
    try {
      // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never a real host's address
      assertThatThrownBy(() -> NodeAgentProcess.start(channel, "cnmt-n1", "192.0.2.123", state, "cnmt_adv", false,
          new SimpleMeterRegistry())).isInstanceOfSatisfying(CnmException.class,
              e -> assertThat(e.reason()).isEqualTo("ADVERTISE_ADDRESS_NOT_LOCAL"));
      assertThat(Files.exists(state)).isFalse();
    } finally {
      channel.shutdownNow();
    }
  }
}
