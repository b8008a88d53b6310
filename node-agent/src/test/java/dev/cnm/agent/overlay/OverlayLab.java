package dev.cnm.agent.overlay;

import dev.cnm.agent.netlink.MacAddress;
import dev.cnm.agent.netlink.NetlinkHandle;
import dev.cnm.agent.netlink.link.Bridge;
import dev.cnm.agent.netlink.link.LinkSpec;
import dev.cnm.agent.netlink.link.Veth;
import dev.cnm.agent.netns.Namespaces;
import dev.cnm.agent.netns.NetNamespace;
import dev.cnm.agent.testsupport.KernelFixture;
import dev.cnm.runtime.net.IpPrefix;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Test bench for the overlay: an "underlay switch" namespace holding a bridge, and N "hosts",
 * each a namespace with an underlay link {@code ul0} (10.77.0.i/24) plugged into the switch and an
 * {@link OverlayDataplane} working in it with a state dir of its own. Sandboxes are namespaces of
 * the fixture. Everything is removed at close, overlay namespaces included.
 */
final class OverlayLab implements AutoCloseable {
  /** One simulated node. */
  record Host(int number, NetNamespace namespace, NetlinkHandle netlink, Path stateDir, OverlayDataplane overlay) {
    InetAddress address() {
      return ip("10.77.0." + number);
    }
  }

  final KernelFixture fx = new KernelFixture();
  final NetNamespace underlaySwitch;
  final List<Host> hosts = new ArrayList<>();

  OverlayLab(int hostCount) {
    try {
      underlaySwitch = fx.namespace("sw");
      NetlinkHandle sw = fx.handle(underlaySwitch);
      sw.links().add(LinkSpec.of("sw0", new Bridge()).withUp(true));
      int bridge = sw.links().get("sw0").index();
      for (int i = 1; i <= hostCount; i++) {
        NetNamespace ns = fx.namespace("h" + i);
        NetlinkHandle nl = fx.handle(ns);
        sw.links().add(LinkSpec.of("port" + i, new Veth("ul0", null, 1500, ns.fd())).withMtu(1500).withMaster(bridge)
            .withUp(true));
        nl.links().setUp("ul0");
        nl.addresses().add(nl.links().get("ul0").index(), IpPrefix.parse("ul", "10.77.0." + i + "/24"));
        // a switch port forwards only once the kernel's link-watch work has seen its carrier
        LinkReadiness.await(sw, "port" + i);
        Path state = fx.stateDir.resolve("host" + i);
        fx.closeLater(() -> removeOverlayNamespaces(state));
        OverlayDataplane dp = fx.closeLater(OverlayDataplane.open(new OverlayConfig(state, ns)));
        hosts.add(new Host(i, ns, nl, state, dp));
      }
    } catch (RuntimeException e) {
      fx.close();
      throw e;
    }
  }

  Host host(int number) {
    return hosts.get(number - 1);
  }

  /** Re-opens host {@code number}'s dataplane as a restarted agent would (the old one is closed, nothing removed). */
  OverlayDataplane restart(int number) {
    Host h = host(number);
    h.overlay().close();
    OverlayDataplane dp = fx.closeLater(OverlayDataplane.open(new OverlayConfig(h.stateDir(), h.namespace())));
    hosts.set(number - 1, new Host(number, h.namespace(), h.netlink(), h.stateDir(), dp));
    return dp;
  }

  NetNamespace sandbox(String name) {
    return fx.namespace(name);
  }

  /** Attaches a sandbox-named endpoint with address {@code ip}/24 on {@code host}; returns its peer entry for other hosts. */
  Peer attach(int host, String networkId, String endpointId, NetNamespace sandbox, String ipv4) {
    OverlayEndpointSpec spec = OverlayEndpointSpec.of(endpointId, networkId, endpointId, sandbox.path(),
        IpPrefix.parse("ip", ipv4 + "/24"));
    host(host).overlay().attachEndpoint(spec);
    return new Peer(ip(ipv4), spec.effectiveMac(), host(host).address());
  }

  static OverlayNetworkSpec network(String id, int vni, String subnet24, Host on) {
    return OverlayNetworkSpec.ipv4(id, vni, IpPrefix.parse("subnet", subnet24 + ".0/24"), ip(subnet24 + ".1"),
        on.address());
  }

  static InetAddress ip(String text) {
    return IpPrefix.parseAddress("ip", text);
  }

  static MacAddress mac(String text) {
    return MacAddress.parse("mac", text);
  }

  /** One echo, answered within 3 s (room for one ARP retry on a loaded machine). */
  static KernelFixture.Exec ping(NetNamespace from, String to) {
    return KernelFixture.exec(from, "ping", "-c", "1", "-W", "3", to);
  }

  /** One echo that must go unanswered: waits 1 s. */
  static KernelFixture.Exec pingExpectingSilence(NetNamespace from, String to) {
    return KernelFixture.exec(from, "ping", "-c", "1", "-W", "1", to);
  }

  static KernelFixture.Exec exec(Path namespace, String... command) {
    try (NetNamespace ns = Namespaces.openExternal(namespace)) {
      return KernelFixture.exec(ns, command);
    }
  }

  private static void removeOverlayNamespaces(Path state) {
    Namespaces ns = new Namespaces(state.resolve("overlay"));
    for (String name : ns.list()) {
      ns.delete(name);
    }
  }

  @Override
  public void close() {
    fx.close();
  }
}
