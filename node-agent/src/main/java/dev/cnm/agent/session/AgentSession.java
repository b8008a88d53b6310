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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's end of the NodeAgent session: dial, register, apply each snapshot through a
 * {@link SnapshotApplier}, ack or nack it with the snapshot's nonce, and reconnect with jittered
 * backoff when the stream ends. All stream state lives in one single-threaded context. Snapshots
 * are full states, so only the newest one matters: one that arrives while another is being
 * applied replaces any snapshot still waiting, and the agent applies and acks just the newest
 * (the controller completes every wait for an older version with that ack, as an xDS server
 * would). Under a burst of Joins the agent therefore never works through stale states one by one.
 */
public final class AgentSession implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AgentSession.class);
  /** How often {@link SnapshotApplier#idle} runs: a third of the bridge linger, so a bridge goes at most 10 s late. */
  public static final Duration IDLE_TICK = Duration.ofSeconds(10);
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
  /** The newest snapshot received and not yet applied; replaced by a newer one, taken by {@link #applyNewest}. */
  private final java.util.concurrent.atomic.AtomicReference<Received> newest =
      new java.util.concurrent.atomic.AtomicReference<>();

  /** A message as received on one stream (generation) of the session. */
  private record Received(long gen, ClientCallStreamObserver<AgentMessage> stream, ControllerMessage message) {
    /**
     * This snapshot, taking over the trace of the one it replaces when it has none of its own: a
     * request's change is then applied by this snapshot, and its trace should show that apply
     * (e.g. a watch-driven republish right after a Join overtakes the Join's own snapshot).
     */
    Received tracedLike(Received replaced) {
      DesiredState s = message.getSnapshot();
      if (replaced == null || !s.getTraceparent().isEmpty()
          || replaced.message().getSnapshot().getTraceparent().isEmpty()) {
        return this;
      }
      return new Received(gen, stream, message.toBuilder().setSnapshot(s.toBuilder()
          .setTraceparent(replaced.message().getSnapshot().getTraceparent())).build());
    }
  }

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
    context.scheduleWithFixedDelay(this::idle, IDLE_TICK.toMillis(), IDLE_TICK.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  private void idle() {
    if (closed) {
      return;
    }
    try {
      applier.idle();
    } catch (RuntimeException e) {
      LOG.warn("idle work of the agent failed (tried again in " + IDLE_TICK.toSeconds() + " s): " + e.getMessage(), e);
    }
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
        if (m.hasSnapshot()) {
          Received mine = new Received(gen, requestStream, m);
          // a late message of an older stream never displaces one of the current stream
          if (newest.getAndUpdate(w -> w != null && w.gen() > gen ? w : mine.tracedLike(w)) == null) {
            context.execute(AgentSession.this::applyNewest);
          }
        } else {
          context.execute(() -> handle(gen, requestStream, m));
        }
        // keep receiving while a snapshot is applied: a newer one replaces any still waiting
        requestStream.request(1);
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

  private void applyNewest() {
    Received r = newest.getAndSet(null);
    if (r != null) {
      handle(r.gen(), r.stream(), r.message());
    }
  }

  private void handle(long gen, ClientCallStreamObserver<AgentMessage> rs, ControllerMessage m) {
    if (gen != generation || closed) {
      return;
    }
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
        LOG.warn("applying snapshot " + s.getVersion() + " failed", e);
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
