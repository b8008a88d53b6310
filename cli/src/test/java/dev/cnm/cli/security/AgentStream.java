package dev.cnm.cli.security;

import dev.cnm.api.v1.AgentMessage;
import dev.cnm.api.v1.ControllerMessage;
import dev.cnm.api.v1.NodeAgentGrpc;
import dev.cnm.api.v1.RegisterNode;
import dev.cnm.api.v1.SnapshotAck;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/** One NodeAgent session as an agent opens it: registers, acks every snapshot, records the end. */
final class AgentStream implements AutoCloseable {
  final BlockingQueue<ControllerMessage> received = new LinkedBlockingQueue<>();
  final CompletableFuture<Void> ended = new CompletableFuture<>();
  private final StreamObserver<AgentMessage> up;

  AgentStream(Channel channel, String node) {
    up = NodeAgentGrpc.newStub(channel).session(new StreamObserver<>() {
      @Override
      public void onNext(ControllerMessage m) {
        received.add(m);
        if (m.hasSnapshot()) {
          ack(m);
        }
      }

      @Override
      public void onError(Throwable t) {
        ended.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        ended.complete(null);
      }
    });
    up.onNext(AgentMessage.newBuilder().setRegister(RegisterNode.newBuilder().setNode(node)
        .setAdvertiseAddress("127.0.0.1").addCapabilities("bridge")).build());
  }

  private synchronized void ack(ControllerMessage m) {
    up.onNext(AgentMessage.newBuilder().setAck(SnapshotAck.newBuilder().setNonce(m.getSnapshot().getNonce())
        .setVersion(m.getSnapshot().getVersion()).setLastGoodVersion(m.getSnapshot().getVersion())).build());
  }

  @Override
  public void close() {
    try {
      up.onCompleted();
    } catch (RuntimeException ignored) {
      // the controller already ended the stream
    }
  }
}
