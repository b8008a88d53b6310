package dev.cnm.controller;

import dev.cnm.api.v1.AgentMessage;
import dev.cnm.api.v1.ControllerMessage;
import dev.cnm.api.v1.DesiredState;
import dev.cnm.api.v1.NodeAgentGrpc;
import dev.cnm.api.v1.NodeSandbox;
import dev.cnm.api.v1.ObjectKind;
import dev.cnm.api.v1.ObjectStatus;
import dev.cnm.api.v1.RegisterNode;
import dev.cnm.api.v1.SnapshotAck;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A node agent that speaks the real session protocol over gRPC and applies nothing: it acks every
 * snapshot (or, when told, stays silent or nacks), and records what it received.
 */
final class TestAgent implements AutoCloseable {
  /**
   * ACK everything; stay SILENT; NACK everything; or refuse every sandbox with an external key
   * as the real agent refuses one that is no network namespace on its host (REFUSE_EXTERNAL).
   */
  enum Mode { ACK, SILENT, NACK, REFUSE_EXTERNAL }

  /** The key it reports for host-mode sandboxes (a real agent's path bound to its own namespace). */
  static final String HOST_NAMESPACE = "/run/cnmt/host-netns";

  final List<DesiredState> received = new CopyOnWriteArrayList<>();
  final CountDownLatch registered = new CountDownLatch(1);
  private volatile Mode mode = Mode.ACK;
  private final StreamObserver<AgentMessage> up;

  TestAgent(Channel channel, String node) {
    this(channel, node, "127.0.0.1");
  }

  /** An agent of {@code node} advertising {@code advertiseAddress} (overlay peers name it). */
  TestAgent(Channel channel, String node, String advertiseAddress) {
    this(channel, node, advertiseAddress, "");
  }

  /** An agent that names the directory of its sandboxes' namespace files ("" for none). */
  TestAgent(Channel channel, String node, String advertiseAddress, String sandboxKeyDirectory) {
    this(channel, node, advertiseAddress, sandboxKeyDirectory, "");
  }

  /** An agent that also names the directory of its sandboxes' hosts and resolv.conf ("" for none). */
  TestAgent(Channel channel, String node, String advertiseAddress, String sandboxKeyDirectory,
      String sandboxFilesDirectory) {
    up = NodeAgentGrpc.newStub(channel).session(new StreamObserver<>() {
      @Override
      public void onNext(ControllerMessage m) {
        if (m.hasRegistered()) {
          registered.countDown();
        } else if (m.hasSnapshot()) {
          onSnapshot(m.getSnapshot());
        }
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    });
    up.onNext(AgentMessage.newBuilder().setRegister(RegisterNode.newBuilder().setNode(node)
        .setAdvertiseAddress(advertiseAddress).addCapabilities("bridge").addCapabilities("overlay")
        .setSandboxKeyDirectory(sandboxKeyDirectory).setSandboxFilesDirectory(sandboxFilesDirectory)).build());
  }

  TestAgent awaitRegistered() throws InterruptedException {
    if (!registered.await(10, TimeUnit.SECONDS)) {
      throw new AssertionError("agent did not register");
    }
    return this;
  }

  void mode(Mode m) {
    mode = m;
  }

  DesiredState last() {
    return received.get(received.size() - 1);
  }

  private synchronized void onSnapshot(DesiredState s) {
    received.add(s);
    Mode m = mode;
    if (m == Mode.SILENT) {
      return;
    }
    SnapshotAck.Builder ack = SnapshotAck.newBuilder().setNonce(s.getNonce()).setVersion(s.getVersion());
    if (m == Mode.NACK) {
      ack.setError(com.google.rpc.Status.newBuilder().setCode(13).setMessage("bridge exploded"));
    } else {
      ack.setLastGoodVersion(s.getVersion());
      for (NodeSandbox sb : s.getSandboxesList()) {
        if (m == Mode.REFUSE_EXTERNAL && !sb.getExternalKey().isEmpty()) {
          ack.setError(com.google.rpc.Status.newBuilder().setCode(13).setMessage("sandbox " + sb.getId() + " failed"));
          ack.addObjects(ObjectStatus.newBuilder().setKind(ObjectKind.OBJECT_KIND_SANDBOX).setId(sb.getId())
              .setError(com.google.rpc.Status.newBuilder().setCode(3)
                  .setMessage("NOT_A_NETWORK_NAMESPACE: namespace path " + sb.getExternalKey() + " does not exist")
                  .addDetails(com.google.protobuf.Any.pack(com.google.rpc.ErrorInfo.newBuilder()
                      .setReason("NOT_A_NETWORK_NAMESPACE").setDomain("cnm.dev").build()))));
          continue;
        }
        ack.addObjects(ObjectStatus.newBuilder().setKind(ObjectKind.OBJECT_KIND_SANDBOX).setId(sb.getId())
            .setKey(sb.getHostNetwork() ? HOST_NAMESPACE
                : sb.getExternalKey().isEmpty() ? "/run/cnmt/netns/" + sb.getId() : sb.getExternalKey()));
      }
    }
    up.onNext(AgentMessage.newBuilder().setAck(ack).build());
  }

  @Override
  public void close() {
    try {
      up.onCompleted();
    } catch (RuntimeException ignored) {
      // already closed by the controller
    }
  }
}
