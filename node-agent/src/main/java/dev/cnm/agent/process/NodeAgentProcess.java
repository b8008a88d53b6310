package dev.cnm.agent.process;

import dev.cnm.agent.apply.AgentMetrics;
import dev.cnm.agent.apply.DataplaneApplier;
import dev.cnm.agent.apply.SandboxDns;
import dev.cnm.agent.apply.SandboxFileWriter;
import dev.cnm.agent.dns.SandboxResolvers;
import dev.cnm.agent.sandboxfiles.HostResolvConf;
import dev.cnm.agent.dataplane.BridgeDataplane;
import dev.cnm.agent.dataplane.DataplaneConfig;
import dev.cnm.agent.driver.DriverRegistry;
import dev.cnm.agent.driver.bridge.BridgeDriver;
import dev.cnm.agent.driver.host.HostDriver;
import dev.cnm.agent.driver.none.NullDriver;
import dev.cnm.agent.driver.overlay.AdvertiseAddress;
import dev.cnm.agent.driver.overlay.OverlayDriver;
import dev.cnm.agent.firewall.NftFirewall;
import dev.cnm.agent.firewall.ProcessNftRunner;
import dev.cnm.agent.gateway.GatewayBridgeConfig;
import dev.cnm.agent.netlink.NetlinkHandle;
import dev.cnm.agent.netlink.sys.LibC;
import dev.cnm.agent.netns.HostNamespaceFile;
import dev.cnm.agent.netns.Namespaces;
import dev.cnm.agent.netns.NetNamespace;
import dev.cnm.agent.netns.RuntimeTmpfs;
import dev.cnm.agent.proxy.UserlandProxy;
import dev.cnm.agent.proxy.UserlandProxyConfig;
import dev.cnm.agent.sandboxfiles.SandboxFiles;
import dev.cnm.agent.session.AgentSession;
import dev.cnm.api.v1.RegisterNode;
import io.grpc.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node agent wired together: the drivers' data halves (their kernel dataplanes under
 * {@code stateDir}), the firewall table, the userland proxy, sandbox files, the sandboxes'
 * embedded DNS resolvers, and the session to the controller over {@code controller}.
 * The agent keeps no durable state: everything under the state dir is rebuilt from the
 * controller's full snapshot on every (re)connect.
 */
public final class NodeAgentProcess implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeAgentProcess.class);
  private final DriverRegistry drivers;
  private final UserlandProxy proxy;
  private final AgentSession session;
  private final RegisterNode registration;
  private final SandboxDns dns;
  private final EventLoopGroup dnsLoops;
  private final List<AutoCloseable> frontEnds = new java.util.concurrent.CopyOnWriteArrayList<>();

  private NodeAgentProcess(DriverRegistry drivers, UserlandProxy proxy, AgentSession session,
      RegisterNode registration, SandboxDns dns, EventLoopGroup dnsLoops) {
    this.drivers = drivers;
    this.proxy = proxy;
    this.session = session;
    this.registration = registration;
    this.dns = dns;
    this.dnsLoops = dnsLoops;
  }

  /**
   * Starts the agent.
   *
   * @param advertiseAddress the node's VXLAN underlay address; it must be an address of this node
   *     (else FAILED_PRECONDITION ADVERTISE_ADDRESS_NOT_LOCAL and nothing is started); empty picks the
   *     default-route interface's address, and without one the agent runs with no overlay capability
   * @param nftTable the nftables table the agent owns ("cnm" in production, test-owned names in tests)
   */
  public static NodeAgentProcess start(Channel controller, String node, String advertiseAddress, Path stateDir,
      String nftTable, boolean userlandProxy, MeterRegistry registry) {
    return start(controller, node, advertiseAddress, stateDir, nftTable, userlandProxy, "", false, registry);
  }

  /**
   * Starts the agent, as {@link #start(Channel, String, String, Path, String, boolean, MeterRegistry)}.
   *
   * @param gwbridgeSubnet the IPv4 subnet of the gateway bridge giving overlay sandboxes egress;
   *     empty for the first of 172.18.0.0/16 ... 172.31.0.0/16 that overlaps none of the node's addresses
   * @param runtimeOnTmpfs keep the namespace mount points ({@code <stateDir>/netns}) and the sandboxes'
   *     generated files ({@code <stateDir>/sandboxes}) on a tmpfs mounted there ({@link RuntimeTmpfs})
   */
  public static NodeAgentProcess start(Channel controller, String node, String advertiseAddress, Path stateDir,
      String nftTable, boolean userlandProxy, String gwbridgeSubnet, boolean runtimeOnTmpfs, MeterRegistry registry) {
    InetAddress advertise;
    GatewayBridgeConfig gwbridge;
    LibC.load();
    try (NetlinkHandle host = NetlinkHandle.openCurrent()) {
      advertise = AdvertiseAddress.resolve(advertiseAddress, host).orElse(null);
      gwbridge = GatewayBridgeConfig.pick(gwbridgeSubnet, host);
    }
    try {
      Files.createDirectories(stateDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (runtimeOnTmpfs) {
      for (String dir : List.of(Namespaces.DIR, SandboxFileWriter.DIR)) {
        RuntimeTmpfs.Outcome outcome = RuntimeTmpfs.mountOn(stateDir.resolve(dir));
        if (outcome == RuntimeTmpfs.Outcome.KEPT_NON_EMPTY) {
          LOG.warn(stateDir.resolve(dir) + " holds an earlier run's files on a disk file system: left there, "
              + "without a tmpfs (creating sandboxes is slower until it is empty at a start)");
        }
      }
    }
    InetAddress underlay = AdvertiseAddress.carriesOverlay(advertise) ? advertise : null;
    if (advertise == null) {
      LOG.warn("overlay networks are off on this node: no " + AdvertiseAddress.FLAG + " was given and no "
          + "default-route interface has an address to advertise");
    } else if (underlay == null) {
      LOG.warn("overlay networks are off on this node: " + AdvertiseAddress.FLAG + " "
          + advertise.getHostAddress() + " is a loopback address, which other nodes cannot send VXLAN to");
    }
    BridgeDataplane dataplane = BridgeDataplane.open(DataplaneConfig.of(stateDir));
    UserlandProxy proxy = new UserlandProxy(UserlandProxyConfig.enabled(userlandProxy), registry);
    OverlayDriver overlay = null;
    DriverRegistry registered = null;
    // the sandboxes' resolvers and their forwards: two loops answer a sandbox's burst of queries
    // while another's are forwarded, on a node of 2 cores
    EventLoopGroup dnsLoops = new NioEventLoopGroup(2, new DefaultThreadFactory("cnm-dns", true));
    try {
      overlay = underlay == null ? null : OverlayDriver.open(stateDir, underlay, gwbridge);
      NftFirewall firewall = new NftFirewall(new ProcessNftRunner(), nftTable, registry);
      SandboxFileWriter files = new SandboxFileWriter(stateDir,
          new SandboxFiles(SandboxFiles.detectHostResolvConf(), registry));
      Path hostNamespace;
      // the agent's own namespace, as the calling thread is in it: the key of host-mode sandboxes
      try (NetNamespace own = Namespaces.current()) {
        hostNamespace = HostNamespaceFile.bind(stateDir, own);
      }
      // the drivers' data halves: a new driver is one more add(...) here, as its control half is
      // one more entry in the controller's DriverRegistry
      DriverRegistry.Builder drivers = DriverRegistry.with(new BridgeDriver(dataplane, hostNamespace))
          .add(new NullDriver()).add(new HostDriver());
      if (overlay == null) {
        drivers.unavailable(OverlayDriver.NAME, OverlayDriver::notSupported);
      } else {
        drivers.add(overlay);
      }
      registered = drivers.build();
      SandboxDns dns = new SandboxDns(new SandboxResolvers(dnsLoops),
          new HostResolvConf(SandboxFiles.DEFAULT_HOST_RESOLV_CONF));
      DataplaneApplier applier = new DataplaneApplier(registered, firewall, proxy, files, dns,
          new AgentMetrics(registry));
      RegisterNode registration = RegisterNode.newBuilder().setNode(node)
          .setAdvertiseAddress(advertise == null ? "" : advertise.getHostAddress())
          // the drivers whose data halves this agent has (overlay: only with an advertise address)
          .addAllCapabilities(registered.names()).setAgentVersion("0.1.0")
          // the dataplane's namespace files: the controller derives each sandbox's key from it
          .setSandboxKeyDirectory(stateDir.resolve(Namespaces.DIR).toAbsolutePath().toString())
          // the sandboxes' hosts and resolv.conf: the controller derives each sandbox's paths from it
          .setSandboxFilesDirectory(files.root().toAbsolutePath().toString()).build();
      AgentSession session = new AgentSession(controller, registration, applier).start();
      return new NodeAgentProcess(registered, proxy, session, registration, dns, dnsLoops);
    } catch (RuntimeException e) {
      proxy.close();
      dnsLoops.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.MILLISECONDS);
      if (registered != null) {
        registered.close(); // every driver, the bridge dataplane last
      } else {
        if (overlay != null) {
          overlay.close();
        }
        dataplane.close();
      }
      throw e;
    }
  }

  public AgentSession session() {
    return session;
  }

  /** What the agent registers with: node, advertise address in effect, capabilities. */
  public RegisterNode registration() {
    return registration;
  }

  /** Closes {@code frontEnd} (e.g. the local API serving the CNI plugin) first when the agent closes. */
  public NodeAgentProcess closing(AutoCloseable frontEnd) {
    frontEnds.add(frontEnd);
    return this;
  }

  /**
   * Stops the session; the kernel state stays (a restarted agent adopts it). The resolvers'
   * sockets close: the sandboxes' names answer again once a restarted agent has its first snapshot.
   */
  @Override
  public void close() {
    for (AutoCloseable frontEnd : frontEnds) {
      try {
        frontEnd.close();
      } catch (Exception e) {
        LOG.warn("closing " + frontEnd + ": " + e.getMessage());
      }
    }
    session.close();
    dns.close();
    dnsLoops.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.MILLISECONDS).syncUninterruptibly();
    proxy.close();
    drivers.close(); // overlay (with its gateway bridge) first, the bridge dataplane last
  }
}
