package dev.cnm.agent.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.api.v1.AgentMessage;
import dev.cnm.api.v1.ControllerMessage;
import dev.cnm.api.v1.DesiredState;
import dev.cnm.api.v1.NodeAgentGrpc;
import dev.cnm.api.v1.NodeSandbox;
import dev.cnm.api.v1.ObjectKind;
import dev.cnm.api.v1.ObjectStatus;
import dev.cnm.api.v1.RegisterNode;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The agent's session client against a scripted NodeAgent server over in-process gRPC. */
class AgentSessionTest {
  /** Each stream the server saw: the messages the agent sent, and a handle to push snapshots. */
  record Stream(BlockingQueue<AgentMessage> received, StreamObserver<ControllerMessage> down) {}

  final BlockingQueue<Stream> streams = new LinkedBlockingQueue<>();
  final List<DesiredState> applied = new CopyOnWriteArrayList<>();
  Server server;
  ManagedChannel channel;
  AgentSession session;
  volatile boolean failApply;

  @BeforeEach
  void start() throws Exception {
    String name = "cnmt-agent-" + UUID.randomUUID();
    server = InProcessServerBuilder.forName(name).addService(new NodeAgentGrpc.NodeAgentImplBase() {
      @Override
      public StreamObserver<AgentMessage> session(StreamObserver<ControllerMessage> down) {
        Stream s = new Stream(new LinkedBlockingQueue<>(), down);
        streams.add(s);
        return new StreamObserver<>() {
          @Override
          public void onNext(AgentMessage m) {
            s.received().add(m);
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        };
      }
    }).build().start();
    channel = InProcessChannelBuilder.forName(name).build();
    session = new AgentSession(channel, RegisterNode.newBuilder().setNode("n1").setAdvertiseAddress("10.0.0.1").build(),
        desired -> {
          if (failApply) {
            throw new IllegalStateException("no bridge");
          }
          applied.add(desired);
          return desired.getSandboxesList().stream().map(sb -> ObjectStatus.newBuilder()
              .setKind(ObjectKind.OBJECT_KIND_SANDBOX).setId(sb.getId()).setKey("/ns/" + sb.getId()).build()).toList();
        }, Duration.ofMillis(10), Duration.ofMillis(50)).start();
  }

  @AfterEach
  void stop() {
    session.close();
    channel.shutdownNow();
    server.shutdownNow();
  }

  private static DesiredState snapshot(long version, String nonce, String... sandboxes) {
    DesiredState.Builder b = DesiredState.newBuilder().setVersion(version).setNonce(nonce).setNode("n1");
    for (String s : sandboxes) {
      b.addSandboxes(NodeSandbox.newBuilder().setId(s));
    }
    return b.build();
  }

  private static AgentMessage next(Stream s) throws InterruptedException {
    AgentMessage m = s.received().poll(5, TimeUnit.SECONDS);
    assertThat(m).as("a message from the agent").isNotNull();
    return m;
  }

  @Test
  void session_registersAppliesAndAcksWithTheNonceAndStatuses() throws Exception {
    Stream s = streams.poll(5, TimeUnit.SECONDS);
    assertThat(next(s).getRegister().getNode()).isEqualTo("n1");
    s.down().onNext(ControllerMessage.newBuilder().setSnapshot(snapshot(1, "a", "sb1")).build());
    AgentMessage ack = next(s);
    assertThat(ack.getAck().getNonce()).isEqualTo("a");
    assertThat(ack.getAck().hasError()).isFalse();
    assertThat(ack.getAck().getLastGoodVersion()).isEqualTo(1);
    assertThat(ack.getAck().getObjects(0).getKey()).isEqualTo("/ns/sb1");
  }

  @Test
  void session_applyFails_nacksKeepingTheLastGoodVersion() throws Exception {
    Stream s = streams.poll(5, TimeUnit.SECONDS);
    next(s);
    s.down().onNext(ControllerMessage.newBuilder().setSnapshot(snapshot(1, "a")).build());
    next(s);
    failApply = true;
    s.down().onNext(ControllerMessage.newBuilder().setSnapshot(snapshot(2, "b")).build());
    AgentMessage nack = next(s);
    assertThat(nack.getAck().getNonce()).isEqualTo("b");
    assertThat(nack.getAck().getError().getMessage()).contains("no bridge");
    assertThat(nack.getAck().getLastGoodVersion()).isEqualTo(1);
  }

  @Test
  void session_streamBreaks_reconnectsRegistersAgainAndAppliesTheFullState() throws Exception {
    Stream first = streams.poll(5, TimeUnit.SECONDS);
    next(first);
    first.down().onError(Status.UNAVAILABLE.withDescription("controller restarting").asRuntimeException());
    Stream second = streams.poll(5, TimeUnit.SECONDS);
    assertThat(second).as("a new stream after the break").isNotNull();
    assertThat(next(second).getRegister().getNode()).isEqualTo("n1");
    second.down().onNext(ControllerMessage.newBuilder().setSnapshot(snapshot(1, "z", "sb9")).build());
    assertThat(next(second).getAck().getNonce()).isEqualTo("z");
    assertThat(applied).extracting(d -> d.getSandboxes(0).getId()).containsExactly("sb9");
  }
}
