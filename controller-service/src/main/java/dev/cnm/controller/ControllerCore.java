package dev.cnm.controller;

import dev.cnm.controller.domain.desired.DesiredStateBuilder;
import dev.cnm.controller.domain.endpoint.EndpointManager;
import dev.cnm.controller.domain.join.JoinManager;
import dev.cnm.controller.domain.network.NetworkManager;
import dev.cnm.controller.domain.node.NodeDirectory;
import dev.cnm.controller.domain.ports.PortAllocator;
import dev.cnm.controller.domain.ports.PortClaimMigration;
import dev.cnm.controller.domain.query.ObjectQueries;
import dev.cnm.controller.domain.repository.ObjectRepository;
import dev.cnm.controller.domain.sandbox.SandboxManager;
import dev.cnm.controller.driver.DriverRegistry;
import dev.cnm.controller.grpc.NetworkControllerGrpcService;
import dev.cnm.controller.grpc.NodeAgentGrpcService;
import dev.cnm.controller.grpc.NodeDiagnosticsGrpcService;
import dev.cnm.controller.ipam.AddressAllocator;
import dev.cnm.controller.ipam.GrpcAddressAllocator;
import dev.cnm.controller.session.ControllerMetrics;
import dev.cnm.controller.session.NodeSessions;
import dev.cnm.controller.session.PeerFanout;
import dev.cnm.controller.sweep.IpamSweeper;
import dev.cnm.store.client.StoreClient;
import io.grpc.BindableService;
import io.grpc.Channel;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller wired together: the domain managers over a store client and an IPAM client,
 * the node sessions, and the gRPC services to add to a server (each given only the parts it uses).
 * The caller owns the channels.
 */
public final class ControllerCore implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ControllerCore.class);
  private final ObjectRepository repository;
  private final DriverRegistry drivers;
  private final NodeSessions sessions;
  private final NetworkManager networks;
  private final EndpointManager endpoints;
  private final SandboxManager sandboxes;
  private final JoinManager joins;
  /** Republishes the nodes whose overlay peers a change on another node (or a node's liveness) affects. */
  private final PeerFanout peerFanout;

  private final ControllerMetrics metrics;
  /** Frees what no network or endpoint owns; sweeps periodically once {@link #startIpamSweeps} ran. */
  private final IpamSweeper ipamSweeper;

  public ControllerCore(StoreClient store, AddressAllocator ipam, DriverRegistry drivers, PortAllocator ports,
      Duration nodeLeaseTtl) {
    this(store, ipam, drivers, ports, nodeLeaseTtl, ControllerMetrics.none());
  }

  public ControllerCore(StoreClient store, AddressAllocator ipam, DriverRegistry drivers, PortAllocator ports,
      Duration nodeLeaseTtl, ControllerMetrics metrics) {
    try {
      PortClaimMigration.run(store); // before this replica serves a Join
    } catch (RuntimeException e) {
      LOG.warn(
          "port claims of the old layout were not moved (retried at the next start): " + e.getMessage());
    }
    this.repository = new ObjectRepository(store);
    this.drivers = drivers;
    this.metrics = metrics;
    // desired states are built from the in-memory copies (read-your-writes: every repository commit updates them)
    this.sessions = new NodeSessions(repository, new DesiredStateBuilder(repository.cached(), drivers), nodeLeaseTtl,
        metrics);
    this.networks = new NetworkManager(repository, drivers, ipam);
    this.joins = new JoinManager(repository, drivers, ports, sessions);
    this.endpoints = new EndpointManager(repository, drivers, ipam, joins);
    this.sandboxes = new SandboxManager(repository, sessions);
    this.peerFanout = PeerFanout.start(repository, sessions);
    this.ipamSweeper = new IpamSweeper(repository, ipam, metrics);
  }

  /**
   * Campaigns for the IPAM sweep lease and, while holding it, sweeps at once and every
   * {@code interval}. Not started by the constructor: tests that drive IPAM directly would see
   * their allocations swept.
   */
  public ControllerCore startIpamSweeps(Duration interval) {
    ipamSweeper.start(interval);
    return this;
  }

  public IpamSweeper ipamSweeper() {
    return ipamSweeper;
  }

  /**
   * The defaults: built-in drivers (null, host, bridge, overlay), the kernel's ephemeral port
   * range, a 10 s node lease.
   */
  public static ControllerCore over(Channel store, Channel ipam) {
    return over(store, ipam, ControllerMetrics.none());
  }

  /** The defaults, with the controller's meters on {@code metrics}. */
  public static ControllerCore over(Channel store, Channel ipam, ControllerMetrics metrics) {
    return new ControllerCore(new StoreClient(store), new GrpcAddressAllocator(ipam, Duration.ofSeconds(10)),
        DriverRegistry.builtIn(), PortAllocator.fromKernel(), Duration.ofSeconds(10), metrics);
  }

  /** NetworkController, NodeAgent and NodeDiagnostics, each given the parts it uses. */
  public List<BindableService> services() {
    NodeDirectory nodes = new NodeDirectory(repository, sessions);
    return List.of(
        new NetworkControllerGrpcService(networks, endpoints, sandboxes, joins, new ObjectQueries(repository), nodes,
            drivers, ipamSweeper, metrics),
        new NodeAgentGrpcService(sessions),
        new NodeDiagnosticsGrpcService(nodes, new DesiredStateBuilder(repository, drivers), sessions));
  }

  public ObjectRepository repository() {
    return repository;
  }

  public DriverRegistry drivers() {
    return drivers;
  }

  public ControllerMetrics metrics() {
    return metrics;
  }

  public NodeSessions sessions() {
    return sessions;
  }

  public NetworkManager networks() {
    return networks;
  }

  public EndpointManager endpoints() {
    return endpoints;
  }

  public SandboxManager sandboxes() {
    return sandboxes;
  }

  public JoinManager joins() {
    return joins;
  }

  @Override
  public void close() {
    ipamSweeper.close();
    peerFanout.close();
    sessions.close();
    repository.close();
  }
}
