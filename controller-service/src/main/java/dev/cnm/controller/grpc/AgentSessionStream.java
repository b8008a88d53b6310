package dev.cnm.controller.grpc;

import dev.cnm.api.v1.AgentMessage;
import dev.cnm.api.v1.ControllerMessage;
import dev.cnm.api.v1.DesiredState;
import dev.cnm.api.v1.Node;
import dev.cnm.api.v1.NodeRegistered;
import dev.cnm.api.v1.RegisterNode;
import dev.cnm.runtime.net.Cidr;
import dev.cnm.controller.domain.validation.ObjectNames;
import dev.cnm.controller.session.NodeSessions;
import dev.cnm.controller.session.SnapshotSink;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.grpc.GrpcErrors;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One agent's session stream as the controller reads it: the first message must register the
 * node (validated here, then handed to {@link NodeSessions}); acks after that go to the session.
 * Snapshots reach the agent through {@link #sink}; once the stream ended or failed nothing more is
 * sent on it.
 */
final class AgentSessionStream implements StreamObserver<AgentMessage> {
  private static final Logger LOG = LoggerFactory.getLogger(AgentSessionStream.class);
  private final NodeSessions sessions;
  private final ServerCallStreamObserver<ControllerMessage> out;
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

  AgentSessionStream(NodeSessions sessions, ServerCallStreamObserver<ControllerMessage> out) {
    this.sessions = sessions;
    this.out = out;
  }

  @Override
  public void onNext(AgentMessage msg) {
    NodeSessions.Session s;
    synchronized (lock) {
      s = session;
    }
    try {
      if (s == null) {
        register(msg);
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

  /** The session's first message: registers the node, then starts sending its state. */
  private void register(AgentMessage msg) {
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
}
