package dev.cnm.agent.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.net.InetAddresses;
import dev.cnm.agent.firewall.FirewallNetwork;
import dev.cnm.agent.firewall.FirewallState;
import dev.cnm.runtime.net.IpPrefix;
import dev.cnm.agent.firewall.NetnsLab;
import dev.cnm.agent.firewall.NftFirewall;
import dev.cnm.agent.firewall.ProcessNftRunner;
import dev.cnm.agent.firewall.Protocol;
import dev.cnm.agent.firewall.PublishedPort;
import dev.cnm.agent.netns.Namespaces;
import dev.cnm.agent.netns.NetNamespace;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A published port end to end, as a host would serve it: the firewall's DNAT for the host's
 * own address, and the userland proxy for localhost, both inside a namespace acting as the host
 * (the proxy's sockets and event loop are created there), in front of busybox httpd in a
 * "container" namespace attached to the host's bridge.
 */
class PublishedPortIT {
  private NetnsLab lab;
  private String host;
  private String container;
  private UserlandProxy proxy;
  private NftFirewall firewall;

  @BeforeEach
  void setUp() {
    NetnsLab.requireTools();
    lab = new NetnsLab();
    host = lab.namespace("pxh");
    container = lab.namespace("pxc");
    lab.bridge(host, "cnmt-pxbr", "10.94.1.1/24");
    lab.attach(host, "cnmt-pxbr", "cnmt-pxv", container, "10.94.1.2/24", "10.94.1.1");
    lab.httpServer(container, 80, "hello through the proxy");
  }

  @AfterEach
  void tearDown() {
    if (proxy != null) {
      proxy.close();
    }
    if (firewall != null) {
      firewall.remove();
    }
    lab.close();
  }

  @Test
  void publishedPort_answersThroughLocalhostAndTheHostAddress() throws Exception {
    PublishedPort port = PublishedPort.of(Protocol.TCP, 8080, InetAddresses.forString("10.94.1.2"), 80, "cnmt-pxbr");
    firewall = new NftFirewall(ProcessNftRunner.inNamedNamespace(host), "cnmt_px", new SimpleMeterRegistry());
    firewall.apply(new FirewallState(List.of(FirewallNetwork.of("px", "cnmt-pxbr",
        List.of(IpPrefix.parseSubnet("10.94.1.0/24")))), List.of(port), false));
    assertThat(lab.httpGet(host, "127.0.0.1", 8080).ok()).as("DNAT alone does not serve localhost").isFalse();

    try (NetNamespace ns = Namespaces.openExternal(Path.of("/run/netns", host))) {
      proxy = Namespaces.runIn(ns, () -> {
        UserlandProxy p = new UserlandProxy(UserlandProxyConfig.DEFAULT, new SimpleMeterRegistry());
        p.sync(List.of(port));
        return p;
      });
    }

    assertThat(lab.httpGet(host, "127.0.0.1", 8080).out()).isEqualTo("hello through the proxy");
    assertThat(lab.httpGet(host, "10.94.1.1", 8080).out()).as("the host's own address, through DNAT")
        .isEqualTo("hello through the proxy");
    // The listener lives in the host namespace (Java binds a dual-stack socket: ::ffff:127.0.0.1).
    assertThat(lab.exec(host, "ss", "-ltn", "sport", "=", ":8080").out()).contains("127.0.0.1]:8080");
  }
}
