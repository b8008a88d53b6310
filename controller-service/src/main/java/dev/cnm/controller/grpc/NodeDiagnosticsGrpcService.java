package dev.cnm.controller.grpc;

import com.google.rpc.Status;
import dev.cnm.api.v1.DesiredState;
import dev.cnm.api.v1.InspectNodeRequest;
import dev.cnm.api.v1.Node;
import dev.cnm.api.v1.NodeActualState;
import dev.cnm.api.v1.NodeDesiredState;
import dev.cnm.api.v1.NodeDiagnosticsGrpc;
import dev.cnm.api.v1.NodeInspection;
import dev.cnm.controller.domain.desired.DesiredStateBuilder;
import dev.cnm.controller.domain.node.NodeDirectory;
import dev.cnm.controller.domain.validation.ObjectNames;
import dev.cnm.controller.session.NodeSessionView;
import dev.cnm.controller.session.NodeSessions;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.grpc.GrpcErrors;
import io.grpc.stub.StreamObserver;
import java.util.Optional;

/**
 * InspectNode: a node's desired state (the latest snapshot the sessions hold, else what the store
 * implies now) next to its actual state (the agent's latest reply), for {@code cnm node inspect}.
 */
public final class NodeDiagnosticsGrpcService extends NodeDiagnosticsGrpc.NodeDiagnosticsImplBase {
  private final NodeDirectory nodes;
  private final DesiredStateBuilder builder;
  private final NodeSessions sessions;

  public NodeDiagnosticsGrpcService(NodeDirectory nodes, DesiredStateBuilder builder, NodeSessions sessions) {
    this.nodes = nodes;
    this.builder = builder;
    this.sessions = sessions;
  }

  @Override
  public void inspectNode(InspectNodeRequest req, StreamObserver<NodeInspection> out) {
    NodeInspection result;
    try {
      result = inspect(req.getNode());
    } catch (RuntimeException e) {
      out.onError(GrpcErrors.toStatusException(e));
      return;
    }
    out.onNext(result);
    out.onCompleted();
  }

  private NodeInspection inspect(String name) {
    ObjectNames.require("node", name);
    Optional<NodeSessionView> view = sessions.view(name);
    Optional<Node> known = nodes.node(name);
    if (view.isEmpty() && known.isEmpty()) {
      throw CnmException.notFound("node", "node \"" + name + "\" is not known to this controller");
    }
    long acked = view.map(NodeSessionView::ackedVersion).orElse(0L);
    Node node = known.orElseGet(() -> NodeDirectory.down(name)).toBuilder().setAckedVersion(acked).build();
    boolean connected = view.map(NodeSessionView::connected).orElse(false);
    DesiredState latest = view.map(NodeSessionView::latest).orElse(null);
    NodeDesiredState.Builder desired = NodeDesiredState.newBuilder();
    if (latest != null) {
      desired.setSnapshot(latest).setSentVersion(connected ? latest.getVersion() : 0);
    } else {
      desired.setSnapshot(builder.build(name));
    }
    NodeActualState.Builder actual = NodeActualState.newBuilder().setAckedVersion(acked);
    view.ifPresent(v -> {
      actual.setRejectedVersion(v.rejectedVersion());
      if (v.rejection() != null) {
        actual.setRejection(Status.newBuilder()
            .setCode(GrpcErrors.codeOf(v.rejection().kind()).value()).setMessage(v.rejection().getMessage()));
      }
      if (v.lastReply() != null) {
        actual.setLastReply(v.lastReply());
      }
    });
    return NodeInspection.newBuilder().setNode(node).setConnected(connected).setDesired(desired)
        .setActual(actual).build();
  }
}
