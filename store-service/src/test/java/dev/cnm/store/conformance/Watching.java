package dev.cnm.store.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cnm.api.v1.Event;
import dev.cnm.api.v1.StoreGrpc;
import dev.cnm.api.v1.WatchRequest;
import dev.cnm.api.v1.WatchResponse;
import dev.cnm.store.InProcessStore;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A running Watch call with its responses queued. */
final class Watching implements AutoCloseable {
  private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
  private final Context.CancellableContext ctx = Context.current().withCancellation();
  private final List<Event> pending = new ArrayList<>();

  static Watching start(InProcessStore store, WatchRequest request) {
    Watching w = new Watching();
    w.ctx.run(() -> StoreGrpc.newStub(store.channel()).watch(request, new StreamObserver<>() {
      public void onNext(WatchResponse r) {
        w.queue.add(r);
      }

      public void onError(Throwable t) {
        w.queue.add(t);
      }

      public void onCompleted() {}
    }));
    return w;
  }

  WatchResponse next() throws InterruptedException {
    Object o = queue.poll(10, TimeUnit.SECONDS);
    assertThat(o).as("a watch response within 10 s").isInstanceOf(WatchResponse.class);
    return (WatchResponse) o;
  }

  Object poll(long millis) throws InterruptedException {
    return pending.isEmpty() ? queue.poll(millis, TimeUnit.MILLISECONDS) : pending.get(0);
  }

  Event nextEvent() throws InterruptedException {
    while (pending.isEmpty()) {
      WatchResponse r = next();
      for (Event e : r.getEventsList()) {
        assertThat(r.getHeader().getRevision()).isGreaterThanOrEqualTo(e.getKv().getModRevision());
      }
      pending.addAll(r.getEventsList());
    }
    return pending.remove(0);
  }

  Throwable error() throws InterruptedException {
    Object o = queue.poll(10, TimeUnit.SECONDS);
    assertThat(o).as("the watch ends with an error").isInstanceOf(Throwable.class);
    return (Throwable) o;
  }

  @Override
  public void close() {
    ctx.cancel(null);
  }
}
