package dev.cnm.agent.testsupport;

import dev.cnm.agent.apply.AgentMetrics;
import dev.cnm.agent.apply.DataplaneApplier;
import dev.cnm.agent.apply.SandboxFileWriter;
import dev.cnm.agent.dataplane.BridgeDataplane;
import dev.cnm.agent.dataplane.DataplaneConfig;
import dev.cnm.agent.driver.DriverRegistry;
import dev.cnm.agent.driver.bridge.BridgeDriver;
import dev.cnm.agent.driver.overlay.OverlayDriver;
import dev.cnm.agent.firewall.NftFirewall;
import dev.cnm.agent.firewall.ProcessNftRunner;
import dev.cnm.agent.gateway.GatewayBridge;
import dev.cnm.agent.gateway.GatewayBridgeConfig;
import dev.cnm.agent.netlink.NetlinkHandle;
import dev.cnm.agent.netlink.link.LinkSpec;
import dev.cnm.agent.netlink.link.Veth;
import dev.cnm.agent.netns.Namespaces;
import dev.cnm.agent.netns.NetNamespace;
import dev.cnm.agent.overlay.OverlayConfig;
import dev.cnm.agent.overlay.OverlayDataplane;
import dev.cnm.agent.sandboxfiles.SandboxFiles;
import dev.cnm.api.v1.DesiredState;
import dev.cnm.api.v1.NodeEndpoint;
import dev.cnm.api.v1.NodeNetwork;
import dev.cnm.api.v1.NodeSandbox;
import dev.cnm.api.v1.ObjectStatus;
import dev.cnm.api.v1.OverlayConfig.Builder;
import dev.cnm.api.v1.OverlayPeer;
import dev.cnm.runtime.net.IpPrefix;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Two "hosts" for the agent's appliers: namespaces joined by a veth underlay ({@code ul0},
 * 10.78.0.1/24 and 10.78.0.2/24), each with its own state dir, bridge and overlay dataplanes and
 * {@link DataplaneApplier} (with a gateway bridge {@code cnmtgw0} on 172.30.0.0/24 and an
 * nftables table {@code cnmt_agent} in the host namespace), as two agent processes would have. Snapshots are hand-built protos.
 * Everything (sandbox and overlay namespaces included) is removed at close.
 */
public final class TwoHostLab implements AutoCloseable {
  /** One simulated node and its agent's applier (replaced by {@link #restart}). */
  public final class Host {
    public final int number;
    public final NetNamespace namespace;
    public final NetlinkHandle netlink;
    public final Path stateDir;
    public BridgeDataplane bridge;
    public OverlayDataplane overlay;
    public GatewayBridge gateway;
    public OverlayDriver overlayApplier;
    public DataplaneApplier applier;

    Host(int number, NetNamespace namespace, NetlinkHandle netlink, Path stateDir) {
      this.number = number;
      this.namespace = namespace;
      this.netlink = netlink;
      this.stateDir = stateDir;
    }

    public String address() {
      return "10.78.0." + number;
    }

    public String node() {
      return "node" + number;
    }

    public List<ObjectStatus> apply(DesiredState s) {
      return applier.apply(s);
    }

    public void open() {
      bridge = BridgeDataplane.open(new DataplaneConfig(stateDir, namespace, false));
      overlay = OverlayDataplane.open(new OverlayConfig(stateDir, namespace));
      gateway = GatewayBridge.open(new GatewayBridgeConfig(GATEWAY_BRIDGE, IpPrefix.parse("gw", GATEWAY_SUBNET),
          namespace));
      overlayApplier = new OverlayDriver(overlay, IpPrefix.parseAddress("ip", address()), gateway);
      NftFirewall firewall = new NftFirewall(new ProcessNftRunner(List.of("nsenter", "--net=" + namespace.path()),
          "nft"), "cnmt_agent", new SimpleMeterRegistry());
      applier = new DataplaneApplier(DriverRegistry.with(new BridgeDriver(bridge, null)).add(overlayApplier).build(),
          firewall, null, new SandboxFileWriter(stateDir, new SandboxFiles(resolvConf, new SimpleMeterRegistry())),
          null, AgentMetrics.none());
      applier.sessionStarted();
    }

    public void closeAgent() {
      if (overlay != null) {
        overlay.close();
        gateway.close();
        bridge.close();
        overlay = null;
      }
    }
  }

  public static final String GATEWAY_BRIDGE = "cnmtgw0";
  public static final String GATEWAY_SUBNET = "172.30.0.0/24";
  public final KernelFixture fx = new KernelFixture();
  final List<Host> hosts = new ArrayList<>();
  private final Path resolvConf;

  public TwoHostLab() {
    try {
      resolvConf = Files.writeString(fx.stateDir.resolve("resolv.conf"), "nameserver 10.78.0.53\n");
      for (int i = 1; i <= 2; i++) {
        NetNamespace ns = fx.namespace("h" + i);
        Path state = fx.stateDir.resolve("agent" + i);
        Host h = new Host(i, ns, fx.handle(ns), state);
        hosts.add(h);
        fx.closeLater(() -> removeNamespaces(new Namespaces(state)));
        fx.closeLater(() -> removeNamespaces(new Namespaces(state.resolve("overlay"))));
        fx.closeLater(h::closeAgent);
      }
      host(1).netlink.links().add(LinkSpec.of("ul0", new Veth("ul0", null, 1500, host(2).namespace.fd()))
          .withMtu(1500).withUp(true));
      host(2).netlink.links().setUp("ul0");
      for (Host h : hosts) {
        h.netlink.addresses().add(h.netlink.links().get("ul0").index(), IpPrefix.parse("ul", h.address() + "/24"));
        h.open();
      }
      KernelFixture.Exec up = KernelFixture.exec(host(1).namespace, "ping", "-c", "1", "-W", "3", host(2).address());
      if (up.code() != 0) {
        throw new IllegalStateException("the test underlay does not carry traffic: " + up.output());
      }
    } catch (IOException e) {
      fx.close();
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      fx.close();
      throw e;
    }
  }

  public Host host(int n) {
    return hosts.get(n - 1);
  }

  /** Host {@code n}'s agent restarts: its dataplanes are closed (kernel state kept) and opened afresh. */
  public Host restart(int n) {
    Host h = host(n);
    h.closeAgent();
    h.open();
    return h;
  }

  public static NodeNetwork overlayNetwork(String id, int vni, String subnet24, boolean internal, OverlayPeer... peers) {
    Builder c = dev.cnm.api.v1.OverlayConfig.newBuilder().setVni(vni);
    for (OverlayPeer p : peers) {
      c.addPeers(p);
    }
    return NodeNetwork.newBuilder().setId(id).setName(id).setDriver("overlay").setSubnetIpv4(subnet24 + ".0/24")
        .setGatewayIpv4(subnet24 + ".1").setInternal(internal).setOverlay(c).build();
  }

  public static NodeSandbox sandbox(String id) {
    return NodeSandbox.newBuilder().setId(id).setContainerId("c-" + id).setHostname(id).build();
  }

  public static NodeEndpoint endpoint(String id, String network, String sandbox, String ipv4, String mac, boolean gateway) {
    return NodeEndpoint.newBuilder().setId(id).setName(id).setNetworkId(network).setSandboxId(sandbox)
        .setInterfaceName("eth0").setMacAddress(mac).setIpv4Address(ipv4 + "/24").setDefaultGateway(gateway).build();
  }

  public static OverlayPeer peer(String endpoint, Host on, String ipv4, String mac) {
    return OverlayPeer.newBuilder().setEndpointId(endpoint).setNode(on.node()).setNodeAddress(on.address())
        .setMacAddress(mac).setIpv4Address(ipv4).build();
  }

  public static DesiredState.Builder snapshot(long version, Host on) {
    return DesiredState.newBuilder().setVersion(version).setNonce("n" + version).setNode(on.node());
  }

  /** Runs a command in the namespace at {@code path} (a sandbox's or an overlay network's). */
  public static KernelFixture.Exec exec(Path path, String... command) {
    try (NetNamespace ns = Namespaces.openExternal(path)) {
      return KernelFixture.exec(ns, command);
    }
  }

  public static InetAddress ip(String text) {
    return IpPrefix.parseAddress("ip", text);
  }

  private static void removeNamespaces(Namespaces dir) {
    for (String name : dir.list()) {
      dir.delete(name);
    }
  }

  @Override
  public void close() {
    fx.close();
  }
}
