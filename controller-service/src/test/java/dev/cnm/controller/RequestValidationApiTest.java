package dev.cnm.controller;

import static dev.cnm.controller.Api.assertFails;
import static dev.cnm.controller.Api.bridge;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.api.v1.CreateNetworkRequest;
import dev.cnm.api.v1.CreateSandboxRequest;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.HostEntry;
import dev.cnm.api.v1.IpamPool;
import dev.cnm.api.v1.ListEndpointsRequest;
import dev.cnm.api.v1.ListNetworksRequest;
import dev.cnm.api.v1.ListSandboxesRequest;
import dev.cnm.api.v1.Network;
import dev.cnm.api.v1.Sandbox;
import dev.cnm.runtime.grpc.GrpcErrors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16, point 4: what can be checked is checked at the API, before anything is written, as
 * INVALID_ARGUMENT naming the field; and a List afterwards shows that nothing changed.
 */
class RequestValidationApiTest {
  @TempDir Path dir;
  ControllerFixture f;
  TestAgent agent;

  @BeforeEach
  void start() throws Exception {
    f = new ControllerFixture(dir);
    agent = f.agent("node1");
    f.api.createNetwork(bridge("net", "10.62.0.0/24"));
  }

  @AfterEach
  void stop() {
    agent.close();
    f.close();
  }

  private Sandbox createSandbox(UnaryOperator<Sandbox.Builder> edit) {
    CreateSandboxRequest req = Api.sandbox("c1", "node1");
    return f.api.createSandbox(req.toBuilder().setSandbox(edit.apply(req.getSandbox().toBuilder())).build());
  }

  private void assertNoSandboxes() {
    assertThat(f.api.listSandboxes(ListSandboxesRequest.getDefaultInstance()).getSandboxesList()).isEmpty();
    assertThat(agent.received).allSatisfy(s -> assertThat(s.getSandboxesList()).isEmpty());
  }

  private static Map<String, String> entries(int n, int keyBytes, int valueBytes) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < n; i++) {
      String k = ("k" + i + "-").repeat(keyBytes).substring(0, keyBytes);
      m.put(k, "v".repeat(valueBytes));
    }
    return m;
  }

  @Test
  void createSandbox_hostnameNotADnsName_isInvalidAndWritesNothing() {
    for (String bad : new String[] {"-bad-", "a".repeat(300), "a".repeat(64), "x.".repeat(20) + "y".repeat(30),
        "two words", "evil\n10.0.0.66 bank.example", "tab\there", "under_score", "dot.", ".dot", "a..b"}) {
      assertFails(Status.Code.INVALID_ARGUMENT, "sandbox.hostname", () -> createSandbox(s -> s.setHostname(bad)));
    }
    assertNoSandboxes();
    assertThat(createSandbox(s -> s.setHostname("web-1")).getHostname()).isEqualTo("web-1");
  }

  @Test
  void createSandbox_domainNameNotADnsName_isInvalidAndWritesNothing() {
    for (String bad : new String[] {"-bad-", "example.com\nnameserver 10.0.0.66", "a b.example",
        ("a".repeat(63) + ".").repeat(4) + "com", "l".repeat(64) + ".example"}) {
      assertFails(Status.Code.INVALID_ARGUMENT, "sandbox.domain_name", () -> createSandbox(s -> s.setDomainName(bad)));
    }
    assertNoSandboxes();
    assertThat(createSandbox(s -> s.setDomainName("corp.example.com")).getDomainName()).isEqualTo("corp.example.com");
  }

  @Test
  void createSandbox_lineBreaksInResolvConfOrHostsEntries_areInvalidAndWriteNothing() {
    assertFails(Status.Code.INVALID_ARGUMENT, "sandbox.dns_search[1]",
        () -> createSandbox(s -> s.addDnsSearch("ok.example").addDnsSearch("x.example\nnameserver 10.0.0.66")));
    assertFails(Status.Code.INVALID_ARGUMENT, "sandbox.dns_options[0]",
        () -> createSandbox(s -> s.addDnsOptions("ndots:2\nnameserver 10.0.0.66")));
    assertFails(Status.Code.INVALID_ARGUMENT, "sandbox.dns_options[0]", () -> createSandbox(s -> s.addDnsOptions("a b")));
    assertFails(Status.Code.INVALID_ARGUMENT, "sandbox.dns_servers[0]",
        () -> createSandbox(s -> s.addDnsServers("10.0.0.1\n")));
    assertFails(Status.Code.INVALID_ARGUMENT, "sandbox.extra_hosts[0].hostname", () -> createSandbox(s -> s
        .addExtraHosts(HostEntry.newBuilder().setHostname("db\n10.0.0.66 bank.example").setAddress("10.0.0.5"))));
    assertFails(Status.Code.INVALID_ARGUMENT, "sandbox.extra_hosts[0].hostname", () -> createSandbox(s -> s
        .addExtraHosts(HostEntry.newBuilder().setHostname("-db").setAddress("10.0.0.5"))));
    assertFails(Status.Code.INVALID_ARGUMENT, "sandbox.dns_servers",
        () -> createSandbox(s -> { for (int i = 0; i < 65; i++) { s.addDnsServers("10.0.0." + i); } return s; }));
    assertNoSandboxes();
    Sandbox ok = createSandbox(s -> s.addDnsSearch("svc.example").addDnsOptions("ndots:2").addDnsOptions("rotate")
        .addDnsServers("10.0.0.53").addExtraHosts(HostEntry.newBuilder().setHostname("db.local").setAddress("10.0.0.5")));
    assertThat(ok.getDnsOptionsList()).containsExactly("ndots:2", "rotate");
  }

  @Test
  void createSandbox_externalKeyNotAnAbsoluteNormalPath_isInvalidAndWritesNothing() {
    for (String bad : new String[] {"run/netns/x", "/run/netns/../x", "/run/netns/./x", "/run//netns/x",
        "/run/netns/x/", "/run/netns/a\nb", "/run/netns/a\0b", "/" + "p".repeat(4096)}) {
      assertFails(Status.Code.INVALID_ARGUMENT, "sandbox.external_key", () -> createSandbox(s -> s.setExternalKey(bad)));
    }
    assertNoSandboxes();
  }

  @Test
  void createSandbox_nodeRefusesTheExternalKeyAsNoNamespace_isInvalidNamingTheKeyAndIsRolledBack() {
    agent.mode(TestAgent.Mode.REFUSE_EXTERNAL);
    StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
        () -> createSandbox(s -> s.setExternalKey("/proc/999999999/ns/net")));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).contains("sandbox.external_key").contains("/proc/999999999/ns/net");
    assertThat(GrpcErrors.reasonOf(e)).isEqualTo("NOT_A_NETWORK_NAMESPACE");
    assertThat(f.api.listSandboxes(ListSandboxesRequest.getDefaultInstance()).getSandboxesList()).isEmpty();
    assertThat(agent.last().getSandboxesList()).as("the node was told to drop it again").isEmpty();
    // the container id's claim went with it
    agent.mode(TestAgent.Mode.ACK);
    assertThat(createSandbox(s -> s).getContainerId()).isEqualTo("c1");
  }

  @Test
  void createSandbox_labelsOverTheLimits_areInvalidAndWriteNothing() {
    assertFails(Status.Code.INVALID_ARGUMENT, "sandbox.labels",
        () -> createSandbox(s -> s.putAllLabels(entries(65, 8, 1))));
    assertFails(Status.Code.INVALID_ARGUMENT, "sandbox.labels",
        () -> createSandbox(s -> s.putAllLabels(entries(1, 254, 1))));
    assertFails(Status.Code.INVALID_ARGUMENT, "sandbox.labels[",
        () -> createSandbox(s -> s.putAllLabels(entries(1, 8, 4097))));
    assertFails(Status.Code.INVALID_ARGUMENT, "sandbox.labels",
        () -> createSandbox(s -> s.putAllLabels(entries(5, 8, 4000))));
    assertFails(Status.Code.INVALID_ARGUMENT, "sandbox.labels", () -> createSandbox(s -> s.putLabels("a\nb", "x")));
    assertNoSandboxes();
    assertThat(createSandbox(s -> s.putAllLabels(entries(63, 200, 50)).putLabels("k".repeat(253), "v")).getLabelsCount())
        .isEqualTo(64);
  }

  @Test
  void createEndpoint_multicastZeroOrMalformedMac_isInvalidAndWritesNothing() {
    for (String bad : new String[] {"01:00:5e:00:00:01", "33:33:00:00:00:01", "ff:ff:ff:ff:ff:ff",
        "00:00:00:00:00:00", "02:42:ac:11:00", "02:42:ac:11:00:02\n", "02-42-ac-11-00-02"}) {
      assertFails(Status.Code.INVALID_ARGUMENT, "endpoint.mac_address",
          () -> f.api.createEndpoint(Api.endpoint("net", Endpoint.newBuilder().setName("e").setMacAddress(bad))));
    }
    assertFails(Status.Code.INVALID_ARGUMENT, "endpoint.options[com.docker.network.endpoint.macaddress]",
        () -> f.api.createEndpoint(Api.endpoint("net", Endpoint.newBuilder().setName("e")
            .putOptions("com.docker.network.endpoint.macaddress", "01:00:5e:00:00:01"))));
    assertThat(f.api.listEndpoints(ListEndpointsRequest.getDefaultInstance()).getEndpointsList()).isEmpty();
    Endpoint ok = f.api.createEndpoint(Api.endpoint("net", Endpoint.newBuilder().setName("e")
        .setMacAddress("02:00:5e:00:00:01")));
    assertThat(ok.getMacAddress()).isEqualTo("02:00:5e:00:00:01");
    assertThat(ok.getIpv4Address()).as("no address leaked by the refused creates").isEqualTo("10.62.0.2/24");
  }

  @Test
  void createEndpoint_optionsOrAliasesOverTheLimits_areInvalidAndWriteNothing() {
    assertFails(Status.Code.INVALID_ARGUMENT, "endpoint.options",
        () -> f.api.createEndpoint(Api.endpoint("net", Endpoint.newBuilder().setName("e").putAllOptions(entries(65, 8, 1)))));
    assertFails(Status.Code.INVALID_ARGUMENT, "endpoint.options[",
        () -> f.api.createEndpoint(Api.endpoint("net", Endpoint.newBuilder().setName("e").putAllOptions(entries(1, 8, 4097)))));
    assertFails(Status.Code.INVALID_ARGUMENT, "endpoint.aliases[1]",
        () -> f.api.createEndpoint(Api.endpoint("net", Endpoint.newBuilder().setName("e").addAliases("web")
            .addAliases("db\n10.0.0.66 bank"))));
    assertThat(f.api.listEndpoints(ListEndpointsRequest.getDefaultInstance()).getEndpointsList()).isEmpty();
    assertThat(f.api.createEndpoint(Api.endpoint("net", Endpoint.newBuilder().setName("e").addAliases("my_service")))
        .getAliasesList()).containsExactly("my_service");
  }

  @Test
  void createNetwork_mtuBelowTheFamilysMinimumOrAboveTheMax_isInvalidAndWritesNothing() {
    CreateNetworkRequest v6 = bridge("v6", "10.63.0.0/24");
    Network.Builder n = v6.getNetwork().toBuilder().setEnableIpv6(true)
        .putOptions("com.docker.network.driver.mtu", "1279");
    n.getIpamBuilder().addIpv6(IpamPool.newBuilder().setSubnet("fd00:216::/64"));
    assertFails(Status.Code.INVALID_ARGUMENT, "network.options[com.docker.network.driver.mtu]",
        () -> f.api.createNetwork(v6.toBuilder().setNetwork(n).build()));
    for (String bad : new String[] {"67", "65536", "-1", "15 00"}) {
      CreateNetworkRequest req = bridge("m", "10.64.0.0/24");
      assertFails(Status.Code.INVALID_ARGUMENT, "network.options[mtu]", () -> f.api.createNetwork(req.toBuilder()
          .setNetwork(req.getNetwork().toBuilder().putOptions("mtu", bad)).build()));
    }
    assertThat(f.api.listNetworks(ListNetworksRequest.getDefaultInstance()).getNetworksList())
        .extracting(Network::getName).containsExactly("net");
    Network ok = f.api.createNetwork(v6.toBuilder().setNetwork(n.putOptions("com.docker.network.driver.mtu", "1280")).build());
    assertThat(ok.getOptionsMap()).containsEntry("mtu", "1280");
  }

  @Test
  void createNetwork_labelsOrOptionsOverTheLimits_areInvalidAndWriteNothing() {
    CreateNetworkRequest req = bridge("l", "10.65.0.0/24");
    assertFails(Status.Code.INVALID_ARGUMENT, "network.labels", () -> f.api.createNetwork(req.toBuilder()
        .setNetwork(req.getNetwork().toBuilder().putAllLabels(entries(65, 8, 1))).build()));
    assertFails(Status.Code.INVALID_ARGUMENT, "network.labels[", () -> f.api.createNetwork(req.toBuilder()
        .setNetwork(req.getNetwork().toBuilder().putAllLabels(entries(1, 8, 1 << 20))).build()));
    assertFails(Status.Code.INVALID_ARGUMENT, "network.labels", () -> f.api.createNetwork(req.toBuilder()
        .setNetwork(req.getNetwork().toBuilder().putAllLabels(entries(1, 254, 1))).build()));
    assertFails(Status.Code.INVALID_ARGUMENT, "network.options", () -> f.api.createNetwork(req.toBuilder()
        .setNetwork(req.getNetwork().toBuilder().putAllOptions(entries(65, 8, 1))).build()));
    assertFails(Status.Code.INVALID_ARGUMENT, "network.ipam.options", () -> f.api.createNetwork(req.toBuilder()
        .setNetwork(req.getNetwork().toBuilder().setIpam(req.getNetwork().getIpam().toBuilder()
            .putAllOptions(entries(65, 8, 1)))).build()));
    assertThat(f.api.listNetworks(ListNetworksRequest.getDefaultInstance()).getNetworksList())
        .extracting(Network::getName).containsExactly("net");
    assertThat(f.api.createNetwork(req.toBuilder().setNetwork(req.getNetwork().toBuilder()
        .putAllLabels(entries(64, 200, 50))).build()).getLabelsCount()).isEqualTo(64);
  }
}
