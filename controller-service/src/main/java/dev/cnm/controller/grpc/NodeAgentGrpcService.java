package dev.cnm.controller.grpc;

import dev.cnm.api.v1.AgentMessage;
import dev.cnm.api.v1.ControllerMessage;
import dev.cnm.api.v1.DesiredState;
import dev.cnm.api.v1.Node;
import dev.cnm.api.v1.NodeAgentGrpc;
import dev.cnm.api.v1.NodeRegistered;
import dev.cnm.api.v1.RegisterNode;
import dev.cnm.controller.domain.Cidr;
import dev.cnm.controller.domain.validation.ObjectNames;
import dev.cnm.controller.session.NodeSessions;
import dev.cnm.controller.session.SnapshotSink;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.grpc.GrpcErrors;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.logging.Logger;

/** The gRPC edge of the agent sessions: one bidi stream per node, delegated to {@link NodeSessions}. */
public final class NodeAgentGrpcService extends NodeAgentGrpc.NodeAgentImplBase {
  private static final Logger LOG = Logger.getLogger(NodeAgentGrpcService.class.getName());
  private final NodeSessions sessions;

  public NodeAgentGrpcService(NodeSessions sessions) {
    this.sessions = sessions;
  }

  @Override
  public StreamObserver<AgentMessage> session(StreamObserver<ControllerMessage> responses) {
    ServerCallStreamObserver<ControllerMessage> out = (ServerCallStreamObserver<ControllerMessage>) responses;
    return new StreamObserver<>() {
      private final Object lock = new Object();
      private NodeSessions.Session session; // guarded by lock
      private boolean done; // guarded by lock

      private final SnapshotSink sink = new SnapshotSink() {
        @Override
        public void send(DesiredState snapshot) {
          synchronized (lock) {
            if (!done) {
              out.onNext(ControllerMessage.newBuilder().setSnapshot(snapshot).build());
            }
          }
        }

        @Override
        public void close(CnmException reason) {
          synchronized (lock) {
            if (!done) {
              done = true;
              out.onError(GrpcErrors.toStatusException(reason));
            }
          }
        }
      };

      @Override
      public void onNext(AgentMessage msg) {
        NodeSessions.Session s;
        synchronized (lock) {
          s = session;
        }
        try {
          if (s == null) {
            if (!msg.hasRegister()) {
              throw CnmException.invalidArgument("register", "the first message of a session must be register");
            }
            RegisterNode r = msg.getRegister();
            ObjectNames.require("register.node", r.getNode());
            if (!r.getAdvertiseAddress().isEmpty()) {
              Cidr.parseAddress("register.advertise_address", r.getAdvertiseAddress());
            }
            Node node = Node.newBuilder().setName(r.getNode()).setAdvertiseAddress(r.getAdvertiseAddress())
                .addAllCapabilities(r.getCapabilitiesList())
                // only an absolute directory makes a usable key (else the agent's acked key is recorded)
                .setSandboxKeyDirectory(r.getSandboxKeyDirectory().startsWith("/") ? r.getSandboxKeyDirectory() : "")
                .setSandboxFilesDirectory(r.getSandboxFilesDirectory().startsWith("/") ? r.getSandboxFilesDirectory() : "")
                .build();
            NodeSessions.Session created = sessions.register(node, sink);
            synchronized (lock) {
              if (!done) {
                out.onNext(ControllerMessage.newBuilder().setRegistered(NodeRegistered.newBuilder()
                    .setSessionId(created.id()).setLeaseId(created.leaseId())).build());
              }
            }
            synchronized (lock) {
              session = created;
            }
            created.start();
            LOG.info("node " + r.getNode() + " registered (session " + created.id() + ")");
          } else if (msg.hasAck()) {
            s.onAck(msg.getAck());
          }
        } catch (CnmException e) {
          sink.close(e);
          if (s != null) {
            s.onClosed();
          }
        }
      }

      @Override
      public void onError(Throwable t) {
        end();
      }

      @Override
      public void onCompleted() {
        end();
        synchronized (lock) {
          if (!done) {
            done = true;
            out.onCompleted();
          }
        }
      }

      private void end() {
        NodeSessions.Session s;
        synchronized (lock) {
          s = session;
          session = null;
        }
        if (s != null) {
          s.onClosed();
        }
        synchronized (lock) {
          done = true;
        }
      }
    };
  }
}
