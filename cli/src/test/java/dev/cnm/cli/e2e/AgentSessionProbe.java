package dev.cnm.cli.e2e;

import dev.cnm.api.v1.AgentMessage;
import dev.cnm.api.v1.ControllerMessage;
import dev.cnm.api.v1.NodeAgentGrpc;
import dev.cnm.api.v1.RegisterNode;
import dev.cnm.runtime.Telemetry;
import dev.cnm.runtime.config.TlsFiles;
import dev.cnm.runtime.grpc.Channels;
import dev.cnm.runtime.grpc.ClientOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Opens a NodeAgent session as an agent would and prints how it went: {@code SNAPSHOT <version>}
 * (exit 0) when the controller accepted the registration, else {@code REFUSED <code>: <description>}
 * (exit 1). Run with only cnm.jar and this class on the class path, as another user (setpriv):
 * {@code AgentSessionProbe TARGET NODE [CERT KEY CA]}.
 */
public final class AgentSessionProbe {
  private AgentSessionProbe() {}

  public static void main(String[] args) throws Exception {
    TlsFiles tls = args.length >= 5 ? new TlsFiles(Path.of(args[2]), Path.of(args[3]), Path.of(args[4])) : TlsFiles.NONE;
    ManagedChannel channel = Channels.forTarget(args[0], ClientOptions.of(tls, Telemetry.noop()));
    CompletableFuture<String> outcome = new CompletableFuture<>();
    StreamObserver<AgentMessage> up = NodeAgentGrpc.newStub(channel).session(new StreamObserver<>() {
      @Override
      public void onNext(ControllerMessage m) {
        if (m.hasSnapshot()) {
          outcome.complete("SNAPSHOT " + m.getSnapshot().getVersion());
        }
      }

      @Override
      public void onError(Throwable t) {
        Status s = Status.fromThrowable(t);
        outcome.complete("REFUSED " + s.getCode() + ": " + s.getDescription());
      }

      @Override
      public void onCompleted() {
        outcome.complete("REFUSED ended without a snapshot");
      }
    });
    up.onNext(AgentMessage.newBuilder().setRegister(RegisterNode.newBuilder().setNode(args[1])
        .setAdvertiseAddress("127.0.0.1").addCapabilities("bridge")).build());
    String result = outcome.get(30, TimeUnit.SECONDS);
    System.out.println(result);
    channel.shutdownNow();
    System.exit(result.startsWith("SNAPSHOT") ? 0 : 1);
  }
}
