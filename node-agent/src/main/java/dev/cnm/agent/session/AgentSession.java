package dev.cnm.agent.session;

import com.google.rpc.Code;
import dev.cnm.api.v1.AgentMessage;
import dev.cnm.api.v1.ControllerMessage;
import dev.cnm.api.v1.DesiredState;
import dev.cnm.api.v1.NodeAgentGrpc;
import dev.cnm.api.v1.ObjectStatus;
import dev.cnm.api.v1.RegisterNode;
import dev.cnm.api.v1.SnapshotAck;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The agent's end of the NodeAgent session: dial, register, apply each snapshot through a
 * {@link SnapshotApplier}, ack or nack it with the snapshot's nonce, and reconnect with jittered
 * backoff when the stream ends. All stream state lives in one single-threaded context; the next
 * snapshot is requested only after the previous one was applied and answered (flow control, as
 * grpc-java's xDS client does), so a slow apply never queues stale snapshots.
 */
public final class AgentSession implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(AgentSession.class.getName());
  private final NodeAgentGrpc.NodeAgentStub stub;
  private final RegisterNode registration;
  private final SnapshotApplier applier;
  private final Backoff backoff;
  private final ScheduledExecutorService context;
  private volatile Consumer<DesiredState> onApplied = s -> {};
  private volatile io.opentelemetry.api.trace.Tracer tracer =
      io.opentelemetry.api.OpenTelemetry.noop().getTracer("dev.cnm.agent");
  // the fields below are touched only from `context`
  private Context.CancellableContext call;
  private long lastGoodVersion;
  private boolean closed;
  private long generation;

  public AgentSession(Channel channel, RegisterNode registration, SnapshotApplier applier) {
    this(channel, registration, applier, Duration.ofMillis(100), Duration.ofSeconds(5));
  }

  public AgentSession(Channel channel, RegisterNode registration, SnapshotApplier applier,
      Duration backoffBase, Duration backoffMax) {
    this.stub = NodeAgentGrpc.newStub(channel);
    this.registration = registration;
    this.applier = applier;
    this.backoff = new Backoff(backoffBase, backoffMax);
    this.context = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "cnm-agent-session");
      t.setDaemon(true);
      return t;
    });
  }

  /** Called after each snapshot was applied and answered (for logs and tests). */
  public AgentSession onApplied(Consumer<DesiredState> callback) {
    this.onApplied = callback;
    return this;
  }

  /** Traces each snapshot's apply with {@code t}, as a child of the request that caused it. */
  public AgentSession tracer(io.opentelemetry.api.trace.Tracer t) {
    this.tracer = t;
    return this;
  }

  /** Opens the session (and keeps reopening it until closed). */
  public AgentSession start() {
    context.execute(this::connect);
    return this;
  }

  private void connect() {
    if (closed) {
      return;
    }
    long gen = ++generation;
    applier.sessionStarted();
    Context.CancellableContext ctx = Context.current().withCancellation();
    call = ctx;
    ctx.run(() -> stub.session(new ClientResponseObserver<AgentMessage, ControllerMessage>() {
      private ClientCallStreamObserver<AgentMessage> requestStream;

      @Override
      public void beforeStart(ClientCallStreamObserver<AgentMessage> rs) {
        requestStream = rs;
        rs.disableAutoRequestWithInitial(1);
      }

      @Override
      public void onNext(ControllerMessage m) {
        context.execute(() -> handle(gen, requestStream, m));
      }

      @Override
      public void onError(Throwable t) {
        context.execute(() -> ended(gen, t));
      }

      @Override
      public void onCompleted() {
        context.execute(() -> ended(gen, null));
      }
    }).onNext(AgentMessage.newBuilder().setRegister(registration).build()));
  }

  private void handle(long gen, ClientCallStreamObserver<AgentMessage> rs, ControllerMessage m) {
    if (gen != generation || closed) {
      return;
    }
    try {
      if (m.hasSnapshot()) {
        backoff.reset();
        DesiredState s = m.getSnapshot();
        SnapshotAck.Builder ack = SnapshotAck.newBuilder().setNonce(s.getNonce()).setVersion(s.getVersion());
        io.opentelemetry.api.trace.Span span = SnapshotSpan.start(tracer, s);
        try (io.opentelemetry.context.Scope ignored = span.makeCurrent()) {
          List<ObjectStatus> statuses = applier.apply(s);
          ack.addAllObjects(statuses);
          String failed = null;
          for (ObjectStatus st : statuses) {
            if (st.hasError() && st.getError().getCode() != 0) {
              failed = st.getKind() + " " + st.getId() + ": " + st.getError().getMessage();
              break;
            }
          }
          if (failed == null) {
            lastGoodVersion = s.getVersion();
          } else {
            ack.setError(com.google.rpc.Status.newBuilder().setCode(Code.INTERNAL_VALUE).setMessage(failed));
          }
        } catch (RuntimeException e) {
          LOG.log(Level.WARNING, "applying snapshot " + s.getVersion() + " failed", e);
          ack.setError(com.google.rpc.Status.newBuilder().setCode(Code.INTERNAL_VALUE)
              .setMessage(String.valueOf(e.getMessage())));
        } finally {
          if (ack.hasError()) {
            span.setStatus(io.opentelemetry.api.trace.StatusCode.ERROR, ack.getError().getMessage());
          }
          span.end();
        }
        ack.setLastGoodVersion(lastGoodVersion);
        rs.onNext(AgentMessage.newBuilder().setAck(ack).build());
        onApplied.accept(s);
      }
    } finally {
      rs.request(1);
    }
  }

  private void ended(long gen, Throwable t) {
    if (gen != generation || closed) {
      return;
    }
    long delay = backoff.nextDelayMillis();
    LOG.info("session with the controller ended (" + (t == null ? "completed" : t.getMessage())
        + "); reconnecting in " + delay + " ms");
    context.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    context.execute(() -> {
      closed = true;
      if (call != null) {
        call.cancel(null);
      }
    });
    context.shutdown();
    try {
      context.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
