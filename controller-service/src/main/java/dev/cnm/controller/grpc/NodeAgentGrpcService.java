package dev.cnm.controller.grpc;

import dev.cnm.api.v1.AgentMessage;
import dev.cnm.api.v1.ControllerMessage;
import dev.cnm.api.v1.NodeAgentGrpc;
import dev.cnm.controller.session.NodeSessions;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/** The gRPC edge of the agent sessions: one bidi stream per node, delegated to {@link NodeSessions}. */
public final class NodeAgentGrpcService extends NodeAgentGrpc.NodeAgentImplBase {
  private final NodeSessions sessions;

  public NodeAgentGrpcService(NodeSessions sessions) {
    this.sessions = sessions;
  }

  @Override
  public StreamObserver<AgentMessage> session(StreamObserver<ControllerMessage> responses) {
    return new AgentSessionStream(sessions, (ServerCallStreamObserver<ControllerMessage>) responses);
  }
}
