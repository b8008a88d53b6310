package dev.cnm.store.etcd;

import static dev.cnm.store.etcd.EtcdConvert.bytes;
import static dev.cnm.store.etcd.EtcdConvert.kv;

import dev.cnm.api.v1.Event;
import dev.cnm.api.v1.KeyValue;
import dev.cnm.api.v1.ResponseHeader;
import dev.cnm.api.v1.WatchRequest;
import dev.cnm.api.v1.WatchResponse;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.store.backend.WatchHandle;
import dev.cnm.store.backend.WatchSink;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * One watch on etcd through jetcd (which itself resumes after etcd reconnects). A watch from
 * "now" first reads etcd's current revision R and watches from R + 1, so the header-only first
 * response (progress_notify) names exactly the revision the watch starts after. Events are sent
 * one revision per response, as the embedded backend does.
 */
final class EtcdWatch implements WatchHandle {
  private final Object lock = new Object();
  private volatile boolean closed;
  private Watch.Watcher watcher;

  static EtcdWatch start(Client client, KV kv, WatchRequest r, WatchSink sink) {
    EtcdWatch w = new EtcdWatch();
    if (r.getStartRevision() > 0) {
      w.open(client, r, r.getStartRevision(), sink);
      return w;
    }
    kv.get(ByteSequence.from(new byte[] {0}), GetOption.builder().withCountOnly(true).build()).whenComplete((g, e) -> {
      if (e != null) {
        w.fail(sink, EtcdErrors.map(e, "start_revision", 0));
        return;
      }
      long now = g.getHeader().getRevision();
      if (r.getProgressNotify()) {
        w.send(sink, WatchResponse.newBuilder().setHeader(ResponseHeader.newBuilder()
            .setRevision(now).setClusterId(g.getHeader().getClusterId())).build());
      }
      w.open(client, r, now + 1, sink);
    });
    return w;
  }

  private void open(Client client, WatchRequest r, long from, WatchSink sink) {
    WatchOption.Builder o = WatchOption.builder().withRevision(from).withPrevKV(r.getPrevKv());
    if (!r.getRangeEnd().isEmpty()) {
      o.withRange(bytes(r.getRangeEnd()));
    }
    Watch.Watcher started = client.getWatchClient().watch(bytes(r.getKey()), o.build(), new Watch.Listener() {
      @Override
      public void onNext(io.etcd.jetcd.watch.WatchResponse response) {
        deliver(sink, response, r.getPrevKv());
      }

      @Override
      public void onError(Throwable t) {
        fail(sink, EtcdErrors.map(t, "start_revision", from));
      }

      @Override
      public void onCompleted() {}
    });
    boolean closeNow;
    synchronized (lock) {
      watcher = started;
      closeNow = closed;
    }
    if (closeNow) {
      started.close();
    }
  }

  private void deliver(WatchSink sink, io.etcd.jetcd.watch.WatchResponse response, boolean prevKv) {
    List<Event> batch = new ArrayList<>();
    long rev = -1;
    for (WatchEvent e : response.getEvents()) {
      long r = e.getKeyValue().getModRevision();
      if (r != rev && !batch.isEmpty()) {
        send(sink, response(response, rev, batch));
        batch = new ArrayList<>();
      }
      rev = r;
      batch.add(event(e, prevKv));
    }
    if (!batch.isEmpty()) {
      send(sink, response(response, rev, batch));
    }
  }

  private static WatchResponse response(io.etcd.jetcd.watch.WatchResponse from, long rev, List<Event> events) {
    return WatchResponse.newBuilder().setHeader(ResponseHeader.newBuilder().setRevision(rev)
        .setClusterId(from.getHeader().getClusterId())).addAllEvents(events).build();
  }

  private static Event event(WatchEvent e, boolean prevKv) {
    Event.Builder out = Event.newBuilder();
    if (e.getEventType() == WatchEvent.EventType.DELETE) {
      out.setType(Event.EventType.DELETE).setKv(KeyValue.newBuilder()
          .setKey(bytes(e.getKeyValue().getKey())).setModRevision(e.getKeyValue().getModRevision()));
    } else {
      out.setType(Event.EventType.PUT).setKv(kv(e.getKeyValue(), true));
    }
    // jetcd gives an empty KeyValue when there was no previous pair
    if (prevKv && e.getPrevKV() != null && e.getPrevKV().getCreateRevision() > 0) {
      out.setPrevKv(kv(e.getPrevKV(), true));
    }
    return out.build();
  }

  private void send(WatchSink sink, WatchResponse response) {
    synchronized (lock) {
      if (!closed) {
        sink.onResponse(response);
      }
    }
  }

  private void fail(WatchSink sink, CnmException e) {
    Watch.Watcher toClose;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      toClose = watcher;
    }
    closeOutsideLock(toClose);
    sink.onError(e);
  }

  @Override
  public void close() {
    Watch.Watcher toClose;
    synchronized (lock) {
      closed = true;
      toClose = watcher;
    }
    closeOutsideLock(toClose);
  }

  /**
   * jetcd's Watcher.close() may wait for its event loop, and that loop calls back into
   * {@link #fail} and {@link #send}, which take {@code lock}: closing under the lock deadlocked
   * (seen as every later store call timing out with UNAVAILABLE).
   */
  private static void closeOutsideLock(Watch.Watcher w) {
    if (w != null) {
      w.close();
    }
  }
}
