package dev.cnm.controller.security;

import dev.cnm.api.v1.AgentMessage;
import dev.cnm.api.v1.NodeAgentGrpc;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.runtime.grpc.GrpcErrors;
import dev.cnm.runtime.grpc.PeerIdentity;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Who may call the controller when it serves mutual TLS (installed by ControllerServer only
 * when a CA is configured; the handshake has then already refused clients without a
 * certificate from that CA):
 * <ul>
 *   <li>NodeAgent.Session: only a node certificate, and only for the node it names: a
 *       RegisterNode for another node ends the stream with PERMISSION_DENIED naming both.</li>
 *   <li>gRPC health and reflection: any verified certificate.</li>
 *   <li>Everything else (NetworkController, NodeDiagnostics): admin or service certificates.
 *       A node certificate may not: a compromised host must not program other nodes.</li>
 * </ul>
 * Calls that did not arrive over TLS (the 0600 Unix socket of {@code cnm up}, in-process
 * channels) are trusted: the file mode or the process boundary authenticated them.
 */
public final class ControllerAuthorization implements ServerInterceptor {
  private static final Logger LOG = Logger.getLogger(ControllerAuthorization.class.getName());
  private static final String NODE_AGENT = NodeAgentGrpc.SERVICE_NAME;

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    if (call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION) == null) {
      return next.startCall(call, headers);
    }
    String service = call.getMethodDescriptor().getServiceName();
    Optional<PeerIdentity> peer = PeerIdentity.fromCall(call);
    if (peer.isEmpty()) {
      return refuse(call, new CnmException(ErrorKind.UNAUTHENTICATED, "CLIENT_CERTIFICATE_REQUIRED",
          "a client certificate signed by the cluster's CA is required"));
    }
    if (service == null || service.startsWith("grpc.health.") || service.startsWith("grpc.reflection.")) {
      return next.startCall(call, headers);
    }
    Optional<CallerIdentity> caller = CallerIdentity.of(peer.get());
    if (caller.isEmpty()) {
      return refuse(call, new CnmException(ErrorKind.PERMISSION_DENIED, "NO_CNM_IDENTITY",
          "the client certificate (" + peer.get().subject() + ") carries no cnm role; issue one with 'cnm certs issue'",
          Map.of("subject", peer.get().subject()), null));
    }
    CallerIdentity who = caller.get();
    if (NODE_AGENT.equals(service)) {
      if (who.role() != CallerIdentity.Role.NODE) {
        return refuse(call, denied("NODE_CERTIFICATE_REQUIRED",
            "only a node certificate may open a node agent session; the client is " + who, who));
      }
      return new RegisterCheck<>(next.startCall(call, headers), call, who.name());
    }
    if (who.role() == CallerIdentity.Role.NODE) {
      return refuse(call, denied("ADMIN_CERTIFICATE_REQUIRED",
          service + " needs an admin or service certificate; the client is " + who, who));
    }
    return next.startCall(call, headers);
  }

  private static CnmException denied(String reason, String message, CallerIdentity who) {
    return new CnmException(ErrorKind.PERMISSION_DENIED, reason, message,
        Map.of("role", who.role().name().toLowerCase(), "name", who.name()), null);
  }

  private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, CnmException why) {
    close(call, why);
    return new ServerCall.Listener<>() {};
  }

  private static void close(ServerCall<?, ?> call, CnmException why) {
    LOG.warning("refused " + call.getMethodDescriptor().getFullMethodName() + ": " + why.getMessage());
    StatusRuntimeException e = GrpcErrors.toStatusException(why);
    call.close(e.getStatus(), e.getTrailers() == null ? new Metadata() : e.getTrailers());
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
        close(call, new CnmException(ErrorKind.PERMISSION_DENIED, "NODE_IDENTITY_MISMATCH",
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
