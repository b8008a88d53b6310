package dev.cnm.controller.grpc;

import dev.cnm.api.v1.*;
import dev.cnm.controller.domain.endpoint.EndpointManager;
import dev.cnm.controller.domain.join.JoinManager;
import dev.cnm.controller.domain.network.NetworkManager;
import dev.cnm.controller.domain.node.NodeDirectory;
import dev.cnm.controller.domain.query.ObjectQueries;
import dev.cnm.controller.domain.query.Pages;
import dev.cnm.controller.domain.sandbox.SandboxManager;
import dev.cnm.controller.driver.DriverRegistry;
import dev.cnm.controller.driver.NetworkDriver;
import dev.cnm.controller.session.ControllerMetrics;
import dev.cnm.controller.sweep.IpamSweeper;
import dev.cnm.runtime.grpc.GrpcErrors;
import dev.cnm.store.client.StoreWatch;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.HashSet;
import java.util.concurrent.TimeUnit;

/** The gRPC edge of cnm.v1.NetworkController: validate, call the domain, map errors through GrpcErrors. */
public final class NetworkControllerGrpcService extends NetworkControllerGrpc.NetworkControllerImplBase {
  /** The longest an operation waits for a node's agent. */
  static final Duration MAX_AGENT_WAIT = Duration.ofSeconds(30);
  private final NetworkManager networks;
  private final EndpointManager endpoints;
  private final SandboxManager sandboxes;
  private final JoinManager joins;
  private final ObjectQueries queries;
  private final NodeDirectory nodes;
  private final DriverRegistry drivers;
  private final IpamSweeper ipamSweeper;
  private final ControllerMetrics metrics;

  public NetworkControllerGrpcService(NetworkManager networks, EndpointManager endpoints, SandboxManager sandboxes,
      JoinManager joins, ObjectQueries queries, NodeDirectory nodes, DriverRegistry drivers, IpamSweeper ipamSweeper,
      ControllerMetrics metrics) {
    this.networks = networks;
    this.endpoints = endpoints;
    this.sandboxes = sandboxes;
    this.joins = joins;
    this.queries = queries;
    this.nodes = nodes;
    this.drivers = drivers;
    this.ipamSweeper = ipamSweeper;
    this.metrics = metrics;
  }

  /** Answers a unary call; what a handler throws is mapped by the server's error interceptor. */
  private static <T> void reply(StreamObserver<T> out, T result) {
    out.onNext(result);
    out.onCompleted();
  }

  /** The call's remaining deadline, capped at {@link #MAX_AGENT_WAIT}, less a margin for the reply. */
  private static Duration agentWait() {
    Deadline d = Context.current().getDeadline();
    if (d == null) {
      return MAX_AGENT_WAIT;
    }
    long left = d.timeRemaining(TimeUnit.MILLISECONDS);
    // keep time to undo and answer before the caller gives up
    long ms = left - Math.max(50, left / 5);
    return Duration.ofMillis(Math.max(1, Math.min(ms, MAX_AGENT_WAIT.toMillis())));
  }

  @Override
  public void createNetwork(CreateNetworkRequest req, StreamObserver<Network> out) {
    reply(out, networks.create(req.getNetwork()).value());
  }

  @Override
  public void getNetwork(GetNetworkRequest req, StreamObserver<Network> out) {
    reply(out, queries.network(req.getNetwork()));
  }

  @Override
  public void listNetworks(ListNetworksRequest req, StreamObserver<ListNetworksResponse> out) {
    Pages.Page<Network> p = queries.networks(req.getName(), req.getDriver(), req.getLabelsList(), req.getPageSize(),
        req.getPageToken());
    reply(out, ListNetworksResponse.newBuilder().addAllNetworks(p.items()).setNextPageToken(p.nextToken()).build());
  }

  @Override
  public void deleteNetwork(DeleteNetworkRequest req, StreamObserver<DeleteNetworkResponse> out) {
    networks.delete(req.getNetwork());
    reply(out, DeleteNetworkResponse.getDefaultInstance());
  }

  @Override
  public void createEndpoint(CreateEndpointRequest req, StreamObserver<Endpoint> out) {
    reply(out, endpoints.create(req.getNetwork(), req.getEndpoint()).value());
  }

  @Override
  public void getEndpoint(GetEndpointRequest req, StreamObserver<Endpoint> out) {
    reply(out, queries.endpoint(req.getNetwork(), req.getEndpoint()));
  }

  @Override
  public void listEndpoints(ListEndpointsRequest req, StreamObserver<ListEndpointsResponse> out) {
    Pages.Page<Endpoint> p = queries.endpoints(req.getNetwork(), req.getPageSize(), req.getPageToken());
    reply(out, ListEndpointsResponse.newBuilder().addAllEndpoints(p.items()).setNextPageToken(p.nextToken()).build());
  }

  @Override
  public void deleteEndpoint(DeleteEndpointRequest req, StreamObserver<DeleteEndpointResponse> out) {
    endpoints.delete(req.getNetwork(), req.getEndpoint(), req.getForce());
    reply(out, DeleteEndpointResponse.getDefaultInstance());
  }

  @Override
  public void createSandbox(CreateSandboxRequest req, StreamObserver<Sandbox> out) {
    reply(out, sandboxes.create(req.getSandbox(), agentWait()));
  }

  @Override
  public void getSandbox(GetSandboxRequest req, StreamObserver<Sandbox> out) {
    reply(out, queries.sandbox(req.getSandbox()));
  }

  @Override
  public void listSandboxes(ListSandboxesRequest req, StreamObserver<ListSandboxesResponse> out) {
    Pages.Page<Sandbox> p = queries.sandboxes(req.getNode(), req.getPageSize(), req.getPageToken());
    reply(out, ListSandboxesResponse.newBuilder().addAllSandboxes(p.items()).setNextPageToken(p.nextToken()).build());
  }

  @Override
  public void deleteSandbox(DeleteSandboxRequest req, StreamObserver<DeleteSandboxResponse> out) {
    sandboxes.delete(req.getSandbox(), agentWait());
    reply(out, DeleteSandboxResponse.getDefaultInstance());
  }

  @Override
  public void join(JoinRequest req, StreamObserver<JoinResponse> out) {
    JoinManager.Joined j = metrics.time("join", () -> joins.join(req.getNetwork(),
        req.getEndpoint(), req.getSandbox(), req.getPriority(), agentWait()));
    reply(out, JoinResponse.newBuilder().setEndpoint(j.endpoint()).setSandbox(j.sandbox()).build());
  }

  @Override
  public void leave(LeaveRequest req, StreamObserver<LeaveResponse> out) {
    metrics.time("leave", () -> {
      joins.leave(req.getNetwork(), req.getEndpoint(), req.getSandbox(), agentWait());
      return null;
    });
    reply(out, LeaveResponse.getDefaultInstance());
  }

  @Override
  public void listDrivers(ListDriversRequest req, StreamObserver<ListDriversResponse> out) {
    ListDriversResponse.Builder b = ListDriversResponse.newBuilder();
    for (NetworkDriver d : drivers.all()) {
      b.addDrivers(d.describe());
    }
    reply(out, b.build());
  }

  @Override
  public void listNodes(ListNodesRequest req, StreamObserver<ListNodesResponse> out) {
    reply(out, ListNodesResponse.newBuilder().addAllNodes(nodes.list()).build());
  }

  @Override
  public void sweepIpam(SweepIpamRequest req, StreamObserver<SweepIpamResponse> out) {
    IpamSweeper.Result r = ipamSweeper.sweep(req.getDryRun());
    reply(out, SweepIpamResponse.newBuilder().addAllFreed(r.freed()).setLiveOwners(r.liveOwners()).build());
  }

  @Override
  public void watch(WatchObjectsRequest req, StreamObserver<ObjectEvent> responses) {
    ServerCallStreamObserver<ObjectEvent> out = (ServerCallStreamObserver<ObjectEvent>) responses;
    Object lock = new Object();
    StoreWatch watch = queries.watch(req.getStartRevision(), new HashSet<>(req.getKindsList()), ev -> {
      synchronized (lock) {
        if (!out.isCancelled()) {
          out.onNext(ev);
        }
      }
    }, error -> {
      synchronized (lock) {
        out.onError(GrpcErrors.toStatusException(error));
      }
    });
    out.setOnCancelHandler(watch::close);
  }
}
