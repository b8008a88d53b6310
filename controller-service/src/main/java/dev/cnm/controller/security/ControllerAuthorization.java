package dev.cnm.controller.security;

import dev.cnm.api.v1.AgentMessage;
import dev.cnm.api.v1.ErrorReason;
import dev.cnm.api.v1.NetworkControllerGrpc;
import dev.cnm.api.v1.NodeAgentGrpc;
import dev.cnm.api.v1.NodeDiagnosticsGrpc;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.runtime.grpc.PeerIdentity;
import dev.cnm.runtime.security.CallRefusal;
import dev.cnm.runtime.security.CallerIdentity;
import dev.cnm.runtime.security.CallerIdentity.Role;
import dev.cnm.runtime.security.RoleAuthorization;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.Map;
import java.util.Optional;

/**
 * Who may call the controller when it serves mutual TLS (ControllerServer installs both parts;
 * they act only on calls that arrived over TLS with a client CA configured):
 * <ul>
 *   <li>{@link #roles()}: NodeAgent.Session takes only node certificates; everything else
 *       (NetworkController, NodeDiagnostics) admin or service certificates. A node certificate
 *       may not use the API: a compromised host must not program other nodes.</li>
 *   <li>this interceptor: an agent registers only as the node its certificate names; a
 *       RegisterNode for another node ends the stream with PERMISSION_DENIED naming both.</li>
 * </ul>
 * On a TCP listener without mutual TLS (no client proves a role) only {@link #readOnlyMethods()}
 * are served, unless the controller runs with {@code --insecure-tcp}: never NodeAgent.Session
 * (the caller would take a node's place) nor a call that writes (a sandbox on any namespace path
 * is the agent's root work on that host).
 */
public final class ControllerAuthorization implements ServerInterceptor {
  private static final String NODE_AGENT = NodeAgentGrpc.SERVICE_NAME;

  /** The roles allowed per controller service. */
  public static RoleAuthorization roles() {
    return RoleAuthorization.allowing(Role.SERVICE, Role.ADMIN).allowing(NODE_AGENT, Role.NODE);
  }

  /** The calls that only read: Get, List and Watch of NetworkController, NodeDiagnostics.InspectNode. */
  public static MethodDescriptor<?, ?>[] readOnlyMethods() {
    return new MethodDescriptor<?, ?>[] {
        NetworkControllerGrpc.getGetNetworkMethod(), NetworkControllerGrpc.getListNetworksMethod(),
        NetworkControllerGrpc.getGetEndpointMethod(), NetworkControllerGrpc.getListEndpointsMethod(),
        NetworkControllerGrpc.getGetSandboxMethod(), NetworkControllerGrpc.getListSandboxesMethod(),
        NetworkControllerGrpc.getListDriversMethod(), NetworkControllerGrpc.getListNodesMethod(),
        NetworkControllerGrpc.getWatchMethod(), NodeDiagnosticsGrpc.getInspectNodeMethod()};
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    if (!NODE_AGENT.equals(call.getMethodDescriptor().getServiceName())) {
      return next.startCall(call, headers);
    }
    // roles() ran first: over TLS, a call reaching here carries a node certificate
    Optional<CallerIdentity> who = PeerIdentity.fromCall(call).flatMap(CallerIdentity::of);
    if (who.isEmpty()) {
      return next.startCall(call, headers);
    }
    return new RegisterCheck<>(next.startCall(call, headers), call, who.get().name());
  }

  /** Lets an agent register only as the node its certificate names; drops the call otherwise. */
  private static final class RegisterCheck<Q> extends ForwardingServerCallListener.SimpleForwardingServerCallListener<Q> {
    private final ServerCall<Q, ?> call;
    private final String certifiedNode;
    private boolean refused; // calls on a listener are serialised by gRPC

    RegisterCheck(ServerCall.Listener<Q> delegate, ServerCall<Q, ?> call, String certifiedNode) {
      super(delegate);
      this.call = call;
      this.certifiedNode = certifiedNode;
    }

    @Override
    public void onMessage(Q message) {
      if (refused) {
        return;
      }
      if (message instanceof AgentMessage m && m.hasRegister() && !m.getRegister().getNode().equals(certifiedNode)) {
        refused = true;
        String registered = m.getRegister().getNode();
        CallRefusal.close(call, new CnmException(ErrorKind.PERMISSION_DENIED, ErrorReason.NODE_IDENTITY_MISMATCH,
            "the client certificate is for node \"" + certifiedNode + "\" but the agent registers as node \""
                + registered + "\"",
            Map.of("certificate_node", certifiedNode, "registered_node", registered), null));
        return;
      }
      super.onMessage(message);
    }

    @Override
    public void onHalfClose() {
      if (!refused) {
        super.onHalfClose();
      }
    }

    @Override
    public void onReady() {
      if (!refused) {
        super.onReady();
      }
    }
  }
}
