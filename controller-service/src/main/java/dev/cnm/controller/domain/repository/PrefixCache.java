package dev.cnm.controller.domain.repository;

import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.store.client.KvObject;
import dev.cnm.store.client.ListPage;
import dev.cnm.store.client.StoreClient;
import dev.cnm.store.client.StoreWatch;
import dev.cnm.store.client.WatchEvent;
import dev.cnm.store.client.WatchListener;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The objects under one store prefix, kept in memory: loaded by one listing at revision R, then
 * fed by a watch from R + 1, and by the controller's own committed writes as soon as their Txn
 * returns (so a read after a write sees it without waiting for the watch). Every change is applied
 * only if its revision is newer than what the cache holds for the key (deletes leave a tombstone
 * until the watch has passed them), so the watch and the direct writes can arrive in any order.
 * Reads are as fresh as the last write of this process or the watch; a write guarded by a read's
 * revision still detects anything newer in the store.
 */
public final class PrefixCache<T extends Message> implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PrefixCache.class);
  private final StoreClient store;
  private final String prefix;
  private final Parser<T> parser;
  // guarded by this
  private final TreeMap<String, KvObject<T>> objects = new TreeMap<>();
  private final Map<String, Long> tombstones = new HashMap<>();
  private long watched;
  private boolean loaded;
  /**
   * A log of the keys whose entries changed, for consumers that keep state derived from the
   * cache and update it by the change rather than by reading every object again (the
   * desired-state builder). {@code seq} counts applied changes; the log holds the keys of the
   * last {@code changes.size()} of them; {@code resetAt} is the seq of the last (re)load.
   */
  private long seq;
  private long resetAt;
  private final java.util.ArrayDeque<String> changes = new java.util.ArrayDeque<>();
  static final int CHANGE_LOG_CAPACITY = 16_384;
  private StoreWatch watch;
  private boolean closed;

  PrefixCache(StoreClient store, String prefix, Parser<T> parser) {
    this.store = store;
    this.prefix = prefix;
    this.parser = parser;
  }

  String prefix() {
    return prefix;
  }

  /** Every cached object, in key order. */
  public List<KvObject<T>> list() {
    ensureLoaded();
    synchronized (this) {
      return new ArrayList<>(objects.values());
    }
  }

  /** Every cached object whose key starts with {@code subPrefix}, in key order. */
  List<KvObject<T>> list(String subPrefix) {
    ensureLoaded();
    synchronized (this) {
      return new ArrayList<>(objects.subMap(subPrefix, subPrefix + Character.MAX_VALUE).values());
    }
  }

  /** The keys changed after change number {@code since}, and the number the cache is at now. */
  public record Changes(long seq, List<String> keys) {
    /** False when the log no longer reaches back to {@code since}: the consumer must read everything. */
    public boolean complete() {
      return keys != null;
    }
  }

  /**
   * What changed after {@code since} (a {@link Changes#seq()} seen before; negative for none):
   * the keys in order, possibly repeated, or an incomplete answer after a reload or when more
   * than {@link #CHANGE_LOG_CAPACITY} changes happened since.
   */
  public Changes changedSince(long since) {
    ensureLoaded();
    synchronized (this) {
      if (since < resetAt || since < seq - changes.size() || since > seq) {
        return new Changes(seq, null);
      }
      // the newest end of the log, walked backwards: a caller is usually a few changes behind,
      // and walking from the oldest end cost a pass over the whole log (16,384 keys) per call
      int wanted = (int) (seq - since);
      String[] keys = new String[wanted];
      Iterator<String> it = changes.descendingIterator();
      for (int i = wanted - 1; i >= 0; i--) {
        keys[i] = it.next();
      }
      return new Changes(seq, Arrays.asList(keys));
    }
  }

  /** Called with the lock held after each applied change. */
  private void changed(String key) {
    seq++;
    changes.addLast(key);
    if (changes.size() > CHANGE_LOG_CAPACITY) {
      changes.removeFirst();
    }
  }

  public Optional<KvObject<T>> get(String key) {
    ensureLoaded();
    synchronized (this) {
      return Optional.ofNullable(objects.get(key));
    }
  }

  /** A write this process committed at {@code revision}. */
  synchronized void written(String key, T value, long revision) {
    if (!loaded || newer(key) >= revision) {
      return;
    }
    KvObject<T> old = objects.get(key);
    objects.put(key, old == null ? new KvObject<>(key, value, revision, revision, 1, 0)
        : new KvObject<>(key, value, revision, old.createRevision(), old.version() + 1, old.lease()));
    tombstones.remove(key);
    changed(key);
  }

  /** A delete this process committed at {@code revision}. */
  synchronized void deleted(String key, long revision) {
    if (!loaded || newer(key) >= revision) {
      return;
    }
    objects.remove(key);
    tombstones.put(key, revision);
    changed(key);
  }

  /** A read from the store at least as new as the cache's entry (e.g. after a conflict). */
  synchronized void refreshed(KvObject<T> read) {
    if (loaded && read.key().startsWith(prefix) && newer(read.key()) < read.modRevision()) {
      objects.put(read.key(), read);
      tombstones.remove(read.key());
      changed(read.key());
    }
  }

  /** The revision the cache holds for {@code key}: its object's, its tombstone's, or 0. */
  private long newer(String key) {
    KvObject<T> o = objects.get(key);
    if (o != null) {
      return o.modRevision();
    }
    return tombstones.getOrDefault(key, 0L);
  }

  private void ensureLoaded() {
    synchronized (this) {
      if (loaded || closed) {
        return;
      }
    }
    load();
  }

  private synchronized void load() {
    if (loaded || closed) {
      return;
    }
    List<KvObject<T>> all = new ArrayList<>();
    ListPage<T> page = store.listPage(prefix, parser, StoreClient.DEFAULT_PAGE, null);
    all.addAll(page.items());
    while (page.next().isPresent()) {
      page = store.listPage(prefix, parser, StoreClient.DEFAULT_PAGE, page.next().get());
      all.addAll(page.items());
    }
    objects.clear();
    tombstones.clear();
    for (KvObject<T> o : all) {
      objects.put(o.key(), o);
    }
    watched = page.revision();
    loaded = true;
    changes.clear();
    resetAt = ++seq;
    watch = store.watch(prefix, page.revision() + 1, new Listener());
  }

  private synchronized void onEvents(long revision, List<WatchEvent> events) {
    if (!loaded) {
      return;
    }
    for (WatchEvent e : events) {
      if (newer(e.key()) >= revision) {
        continue; // this process already applied it (or something newer)
      }
      if (e.deleted()) {
        objects.remove(e.key());
      } else {
        objects.put(e.key(), new KvObject<>(e.key(), e.value(parser), revision, e.kv().getCreateRevision(),
            e.kv().getVersion(), e.kv().getLease()));
      }
      tombstones.remove(e.key());
      changed(e.key());
    }
    watched = revision;
    // a tombstone at or before what the watch delivered can no longer be overtaken by an older event
    Iterator<Long> it = tombstones.values().iterator();
    while (it.hasNext()) {
      if (it.next() <= watched) {
        it.remove();
      }
    }
  }

  /** The watch ended for good (its history was compacted): reload on the next read. */
  private void onWatchError(CnmException error) {
    LOG.warn("cache of " + prefix + " lost its watch (" + error.getMessage() + "); reloading");
    synchronized (this) {
      loaded = false;
      watch = null;
    }
  }

  @Override
  public void close() {
    StoreWatch w;
    synchronized (this) {
      closed = true;
      loaded = false;
      w = watch;
      watch = null;
    }
    if (w != null) {
      w.close();
    }
  }

  private final class Listener implements WatchListener {
    @Override
    public void onEvents(long revision, List<WatchEvent> events) {
      PrefixCache.this.onEvents(revision, events);
    }

    @Override
    public void onError(CnmException error) {
      onWatchError(error);
    }
  }
}
