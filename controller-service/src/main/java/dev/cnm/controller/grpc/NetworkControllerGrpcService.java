package dev.cnm.controller.grpc;

import dev.cnm.api.v1.*;
import dev.cnm.controller.ControllerCore;
import dev.cnm.controller.domain.join.JoinManager;
import dev.cnm.controller.domain.repository.ObjectRepository;
import dev.cnm.controller.driver.NetworkDriver;
import dev.cnm.runtime.grpc.GrpcErrors;
import dev.cnm.store.client.KvObject;
import dev.cnm.store.client.StoreWatch;
import dev.cnm.store.client.WatchListener;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** The gRPC edge of cnm.v1.NetworkController: validate, call the domain, map errors through GrpcErrors. */
public final class NetworkControllerGrpcService extends NetworkControllerGrpc.NetworkControllerImplBase {
  /** The longest an operation waits for a node's agent. */
  static final Duration MAX_AGENT_WAIT = Duration.ofSeconds(30);
  private final ControllerCore core;

  public NetworkControllerGrpcService(ControllerCore core) {
    this.core = core;
  }

  private static <T> void unary(StreamObserver<T> out, Supplier<T> body) {
    T result;
    try {
      result = body.get();
    } catch (RuntimeException e) {
      out.onError(GrpcErrors.toStatusException(e));
      return;
    }
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

  private ObjectRepository repo() {
    return core.repository();
  }

  @Override
  public void createNetwork(CreateNetworkRequest req, StreamObserver<Network> out) {
    unary(out, () -> core.networks().create(req.getNetwork()).value());
  }

  @Override
  public void getNetwork(GetNetworkRequest req, StreamObserver<Network> out) {
    unary(out, () -> withRevision(repo().network("network", req.getNetwork())));
  }

  @Override
  public void listNetworks(ListNetworksRequest req, StreamObserver<ListNetworksResponse> out) {
    unary(out, () -> {
      List<Network> all = new ArrayList<>();
      for (KvObject<Network> n : repo().networks()) {
        Network v = withRevision(n);
        if ((req.getName().isEmpty() || v.getName().equals(req.getName()))
            && (req.getDriver().isEmpty() || v.getDriver().equals(req.getDriver()))
            && labelsMatch(v.getLabelsMap(), req.getLabelsList())) {
          all.add(v);
        }
      }
      all.sort(Comparator.comparing(Network::getName));
      Pages.Page<Network> p = Pages.page(all, Network::getName, req.getPageSize(), req.getPageToken());
      return ListNetworksResponse.newBuilder().addAllNetworks(p.items()).setNextPageToken(p.nextToken()).build();
    });
  }

  static boolean labelsMatch(Map<String, String> labels, List<String> filters) {
    for (String f : filters) {
      int eq = f.indexOf('=');
      if (eq < 0 ? !labels.containsKey(f) : !f.substring(eq + 1).equals(labels.get(f.substring(0, eq)))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void deleteNetwork(DeleteNetworkRequest req, StreamObserver<DeleteNetworkResponse> out) {
    unary(out, () -> {
      core.networks().delete(req.getNetwork());
      return DeleteNetworkResponse.getDefaultInstance();
    });
  }

  @Override
  public void createEndpoint(CreateEndpointRequest req, StreamObserver<Endpoint> out) {
    unary(out, () -> core.endpoints().create(req.getNetwork(), req.getEndpoint()).value());
  }

  @Override
  public void getEndpoint(GetEndpointRequest req, StreamObserver<Endpoint> out) {
    unary(out, () -> EndpointNodeStatus.mark(repo(),
        endpointWithRevision(repo().endpoint("network", req.getNetwork(), "endpoint", req.getEndpoint()))));
  }

  @Override
  public void listEndpoints(ListEndpointsRequest req, StreamObserver<ListEndpointsResponse> out) {
    unary(out, () -> {
      List<KvObject<Endpoint>> kvs = req.getNetwork().isEmpty() ? repo().allEndpoints()
          : repo().endpoints(repo().network("network", req.getNetwork()).value().getId());
      List<Endpoint> all = new ArrayList<>();
      for (KvObject<Endpoint> e : kvs) {
        all.add(endpointWithRevision(e));
      }
      Comparator<Endpoint> order = Comparator.comparing(e -> e.getNetworkName() + "/" + e.getName() + "/" + e.getId());
      all.sort(order);
      Pages.Page<Endpoint> p = Pages.page(all, e -> e.getNetworkName() + "/" + e.getName() + "/" + e.getId(),
          req.getPageSize(), req.getPageToken());
      return ListEndpointsResponse.newBuilder().addAllEndpoints(EndpointNodeStatus.markAll(repo(), p.items()))
          .setNextPageToken(p.nextToken()).build();
    });
  }

  @Override
  public void deleteEndpoint(DeleteEndpointRequest req, StreamObserver<DeleteEndpointResponse> out) {
    unary(out, () -> {
      core.endpoints().delete(req.getNetwork(), req.getEndpoint(), req.getForce());
      return DeleteEndpointResponse.getDefaultInstance();
    });
  }

  @Override
  public void createSandbox(CreateSandboxRequest req, StreamObserver<Sandbox> out) {
    unary(out, () -> core.sandboxes().create(req.getSandbox(), agentWait()));
  }

  @Override
  public void getSandbox(GetSandboxRequest req, StreamObserver<Sandbox> out) {
    unary(out, () -> sandboxWithRevision(repo().sandbox("sandbox", req.getSandbox())));
  }

  @Override
  public void listSandboxes(ListSandboxesRequest req, StreamObserver<ListSandboxesResponse> out) {
    unary(out, () -> {
      List<Sandbox> all = new ArrayList<>();
      for (KvObject<Sandbox> s : repo().sandboxes()) {
        if (req.getNode().isEmpty() || s.value().getNode().equals(req.getNode())) {
          all.add(sandboxWithRevision(s));
        }
      }
      all.sort(Comparator.comparing(Sandbox::getContainerId));
      Pages.Page<Sandbox> p = Pages.page(all, Sandbox::getContainerId, req.getPageSize(), req.getPageToken());
      return ListSandboxesResponse.newBuilder().addAllSandboxes(p.items()).setNextPageToken(p.nextToken()).build();
    });
  }

  @Override
  public void deleteSandbox(DeleteSandboxRequest req, StreamObserver<DeleteSandboxResponse> out) {
    unary(out, () -> {
      core.sandboxes().delete(req.getSandbox(), agentWait());
      return DeleteSandboxResponse.getDefaultInstance();
    });
  }

  @Override
  public void join(JoinRequest req, StreamObserver<JoinResponse> out) {
    unary(out, () -> {
      JoinManager.Joined j = core.metrics().time("join", () -> core.joins().join(req.getNetwork(),
          req.getEndpoint(), req.getSandbox(), req.getPriority(), agentWait()));
      return JoinResponse.newBuilder().setEndpoint(j.endpoint()).setSandbox(j.sandbox()).build();
    });
  }

  @Override
  public void leave(LeaveRequest req, StreamObserver<LeaveResponse> out) {
    unary(out, () -> {
      core.metrics().time("leave", () -> {
        core.joins().leave(req.getNetwork(), req.getEndpoint(), req.getSandbox(), agentWait());
        return null;
      });
      return LeaveResponse.getDefaultInstance();
    });
  }

  @Override
  public void listDrivers(ListDriversRequest req, StreamObserver<ListDriversResponse> out) {
    unary(out, () -> {
      ListDriversResponse.Builder b = ListDriversResponse.newBuilder();
      for (NetworkDriver d : core.drivers().all()) {
        b.addDrivers(d.describe());
      }
      return b.build();
    });
  }

  @Override
  public void listNodes(ListNodesRequest req, StreamObserver<ListNodesResponse> out) {
    unary(out, () -> {
      Map<String, Node> nodes = new TreeMap<>();
      for (KvObject<Node> n : repo().nodes()) {
        nodes.put(n.value().getName(), n.value().toBuilder()
            .setAckedVersion(core.sessions().ackedVersion(n.value().getName())).build());
      }
      // a node whose lease is gone but which still has sandboxes is down, not forgotten
      Set<String> withSandboxes = new HashSet<>();
      for (KvObject<Sandbox> s : repo().sandboxes()) {
        withSandboxes.add(s.value().getNode());
      }
      for (String n : withSandboxes) {
        nodes.putIfAbsent(n, Node.newBuilder().setName(n).setStatus(NodeStatus.NODE_STATUS_DOWN).build());
      }
      return ListNodesResponse.newBuilder().addAllNodes(nodes.values()).build();
    });
  }

  @Override
  public void sweepIpam(SweepIpamRequest req, StreamObserver<SweepIpamResponse> out) {
    unary(out, () -> {
      dev.cnm.controller.sweep.IpamSweeper.Result r = core.ipamSweeper().sweep(req.getDryRun());
      return SweepIpamResponse.newBuilder().addAllFreed(r.freed()).setLiveOwners(r.liveOwners()).build();
    });
  }

  @Override
  public void watch(WatchObjectsRequest req, StreamObserver<ObjectEvent> responses) {
    ServerCallStreamObserver<ObjectEvent> out = (ServerCallStreamObserver<ObjectEvent>) responses;
    Set<ObjectKind> kinds = new HashSet<>(req.getKindsList());
    Object lock = new Object();
    StoreWatch watch = repo().store().watch(dev.cnm.controller.domain.repository.StoreKeys.ROOT, req.getStartRevision(),
        new WatchListener() {
          @Override
          public void onEvents(long revision, List<dev.cnm.store.client.WatchEvent> events) {
            synchronized (lock) {
              for (dev.cnm.store.client.WatchEvent e : events) {
                ObjectEvents.of(e).filter(ev -> kinds.isEmpty() || kinds.contains(ev.getKind()))
                    .ifPresent(ev -> {
                      if (!out.isCancelled()) {
                        out.onNext(ev);
                      }
                    });
              }
            }
          }

          @Override
          public void onError(dev.cnm.runtime.errors.CnmException error) {
            synchronized (lock) {
              out.onError(GrpcErrors.toStatusException(error));
            }
          }
        });
    out.setOnCancelHandler(watch::close);
  }

  private static Network withRevision(KvObject<Network> n) {
    return n.value().toBuilder().setRevision(n.modRevision()).build();
  }

  private static Endpoint endpointWithRevision(KvObject<Endpoint> e) {
    return e.value().toBuilder().setRevision(e.modRevision()).build();
  }

  private static Sandbox sandboxWithRevision(KvObject<Sandbox> s) {
    return s.value().toBuilder().setRevision(s.modRevision()).build();
  }
}
