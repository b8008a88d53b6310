package dev.cnm.controller.domain.repository;

import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import com.google.protobuf.StringValue;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.ErrorReason;
import dev.cnm.api.v1.Network;
import dev.cnm.api.v1.Node;
import dev.cnm.api.v1.Sandbox;
import dev.cnm.api.v1.Scope;
import dev.cnm.runtime.ids.Ids;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.runtime.ids.Ids;
import dev.cnm.store.client.KvObject;
import dev.cnm.store.client.StoreClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the controller's objects from the store and resolves the references users give (an
 * id, a unique id prefix of at least 12 characters, or a name). Every object comes back as a
 * {@link KvObject} so that the write that follows is guarded by the revision it was read at.
 *
 * <p>Two views share one set of in-memory caches (one {@link PrefixCache} per kind, fed by a
 * watch and by this process's own writes, see {@link #commit()}): this one reads the store on
 * every call (what user-facing lookups and checks need), {@link #cached()} serves listings and
 * point reads from memory, falling back to the store on a miss. Writes guarded by a cached
 * read's revision still fail on anything newer in the store, so callers retry with this view
 * ({@link CachedThenFresh}).
 */
public final class ObjectRepository implements AutoCloseable {
  private final StoreClient store;
  private final Caches caches;
  private final boolean cacheFirst;
  private final ObjectRepository other;

  public ObjectRepository(StoreClient store) {
    this.store = store;
    this.caches = new Caches(store);
    this.cacheFirst = false;
    this.other = new ObjectRepository(this);
  }

  private ObjectRepository(ObjectRepository fresh) {
    this.store = fresh.store;
    this.caches = fresh.caches;
    this.cacheFirst = true;
    this.other = fresh;
  }

  /** The view that serves reads from memory (this one if it already does). */
  public ObjectRepository cached() {
    return cacheFirst ? this : other;
  }

  /** The view that reads the store on every call (this one if it already does). */
  public ObjectRepository fresh() {
    return cacheFirst ? other : this;
  }

  public StoreClient store() {
    return store;
  }

  /** Whether this view reads from memory (see {@link #cached()}). */
  public boolean isCached() {
    return cacheFirst;
  }

  /** The in-memory caches both views share. */
  public Caches caches() {
    return caches;
  }

  /**
   * A new atomic write: its Txn, and on success the same writes applied to the caches both views
   * share (so the cached view sees them before the watch brings them).
   */
  public Commit commit() {
    return new Commit(store, caches);
  }

  public List<KvObject<Network>> networks() {
    return cacheFirst ? caches.networks.list() : store.list(StoreKeys.NETWORKS, Network.parser());
  }

  public List<KvObject<Endpoint>> endpoints(String networkId) {
    return cacheFirst ? caches.endpoints.list(StoreKeys.endpoints(networkId))
        : store.list(StoreKeys.endpoints(networkId), Endpoint.parser());
  }

  public List<KvObject<Endpoint>> allEndpoints() {
    return cacheFirst ? caches.endpoints.list() : store.list(StoreKeys.ENDPOINTS, Endpoint.parser());
  }

  public List<KvObject<Sandbox>> sandboxes() {
    return cacheFirst ? caches.sandboxes.list() : store.list(StoreKeys.SANDBOXES, Sandbox.parser());
  }

  public List<KvObject<Node>> nodes() {
    return cacheFirst ? caches.nodes.list() : store.list(StoreKeys.NODES, Node.parser());
  }

  public Optional<KvObject<Node>> node(String name) {
    return read(caches.nodes, StoreKeys.node(name), Node.parser());
  }

  public Optional<KvObject<Network>> networkById(String id) {
    return read(caches.networks, StoreKeys.network(id), Network.parser());
  }

  public Optional<KvObject<Endpoint>> endpointById(String networkId, String id) {
    return read(caches.endpoints, StoreKeys.endpoint(networkId, id), Endpoint.parser());
  }

  public Optional<KvObject<Sandbox>> sandboxById(String id) {
    return read(caches.sandboxes, StoreKeys.sandbox(id), Sandbox.parser());
  }

  /**
   * What the in-memory view holds for this endpoint, without going to the store on a miss: a
   * reader that waits for the view to catch up with a watch event of its own polls this, where a
   * read that falls back to the store would cost a store round trip per event.
   */
  public Optional<KvObject<Endpoint>> endpointInView(String networkId, String id) {
    return caches.endpoints.get(StoreKeys.endpoint(networkId, id));
  }

  /** As {@link #endpointInView}, for a sandbox. */
  public Optional<KvObject<Sandbox>> sandboxInView(String id) {
    return caches.sandboxes.get(StoreKeys.sandbox(id));
  }

  /** A point read: from memory in the cached view (the store on a miss), else from the store. */
  private <T extends Message> Optional<KvObject<T>> read(PrefixCache<T> cache, String key, Parser<T> parser) {
    if (cacheFirst) {
      Optional<KvObject<T>> hit = cache.get(key);
      if (hit.isPresent()) {
        return hit;
      }
    }
    Optional<KvObject<T>> read = store.get(key, parser);
    read.ifPresent(cache::refreshed);
    return read;
  }

  /**
   * One of the IPAM sweep's keys (see {@link dev.cnm.controller.sweep.SweepGate}): from memory,
   * or from the store when {@code fresh} (the read then refreshes the memory copy).
   */
  public Optional<KvObject<StringValue>> ipamSweepKey(String key, boolean fresh) {
    if (!fresh) {
      return caches.ipamSweep.get(key);
    }
    Optional<KvObject<StringValue>> kv = store.get(key, StringValue.parser());
    kv.ifPresent(caches.ipamSweep::refreshed);
    return kv;
  }

  /** The id a name claim points to. */
  public Optional<String> claimed(String claimKey) {
    return read(caches.names, claimKey, StringValue.parser()).map(kv -> kv.value().getValue());
  }

  /** The id a name claim points to in memory only (no store read on a miss). */
  public Optional<String> cachedClaim(String claimKey) {
    return caches.names.get(claimKey).map(kv -> kv.value().getValue());
  }

  /** A network by id, unique id prefix or name; NOT_FOUND naming {@code field} otherwise. */
  public KvObject<Network> network(String field, String ref) {
    requireRef(field, ref);
    if (Ids.isIdPrefix(ref)) {
      Optional<KvObject<Network>> byId = ref.length() == 64 ? networkById(ref) : Optional.empty();
      if (byId.isPresent()) {
        return byId.get();
      }
      List<KvObject<Network>> matches = new ArrayList<>();
      for (KvObject<Network> n : networks()) {
        if (n.value().getId().startsWith(ref)) {
          matches.add(n);
        }
      }
      if (matches.size() == 1) {
        return matches.get(0);
      }
      if (matches.size() > 1) {
        throw ambiguous(field, "network", ref);
      }
    }
    for (Scope scope : List.of(Scope.SCOPE_LOCAL, Scope.SCOPE_GLOBAL)) {
      Optional<String> id = claimed(StoreKeys.name(scopeName(scope), "network", ref));
      if (id.isPresent()) {
        Optional<KvObject<Network>> n = networkById(id.get());
        if (n.isPresent()) {
          return n.get();
        }
      }
    }
    throw notFound(field, "network", ref);
  }

  /** An endpoint of {@code networkRef} (empty: of any network) by id, prefix or name. */
  public KvObject<Endpoint> endpoint(String networkField, String networkRef, String field, String ref) {
    requireRef(field, ref);
    List<KvObject<Endpoint>> candidates;
    if (networkRef != null && !networkRef.isEmpty()) {
      String networkId = network(networkField, networkRef).value().getId();
      if (ref.length() == 64 && Ids.isIdPrefix(ref)) {
        Optional<KvObject<Endpoint>> e = endpointById(networkId, ref);
        if (e.isPresent()) {
          return e.get();
        }
      }
      if (!Ids.isIdPrefix(ref)) {
        // a name, unique in its network through its claim: two point reads instead of listing the network
        return claimed(StoreKeys.name(networkId, "endpoint", ref)).flatMap(id -> endpointById(networkId, id))
            .orElseThrow(() -> notFound(field, "endpoint", ref));
      }
      candidates = endpoints(networkId);
    } else {
      candidates = allEndpoints();
    }
    List<KvObject<Endpoint>> matches = new ArrayList<>();
    if (Ids.isIdPrefix(ref)) {
      for (KvObject<Endpoint> e : candidates) {
        if (e.value().getId().startsWith(ref)) {
          matches.add(e);
        }
      }
    }
    if (matches.isEmpty()) {
      for (KvObject<Endpoint> e : candidates) {
        if (e.value().getName().equals(ref)) {
          matches.add(e);
        }
      }
    }
    if (matches.size() > 1) {
      throw ambiguous(field, "endpoint", ref);
    }
    if (matches.isEmpty()) {
      throw notFound(field, "endpoint", ref);
    }
    return matches.get(0);
  }

  /** A sandbox by id, unique id prefix or container id. */
  public KvObject<Sandbox> sandbox(String field, String ref) {
    requireRef(field, ref);
    if (ref.length() == 64 && Ids.isIdPrefix(ref)) {
      Optional<KvObject<Sandbox>> s = sandboxById(ref);
      if (s.isPresent()) {
        return s.get();
      }
    }
    Optional<String> byContainer = claimed(StoreKeys.name("local", "sandbox", ref));
    if (byContainer.isPresent()) {
      Optional<KvObject<Sandbox>> s = sandboxById(byContainer.get());
      if (s.isPresent()) {
        return s.get();
      }
    }
    if (Ids.isIdPrefix(ref)) {
      List<KvObject<Sandbox>> matches = new ArrayList<>();
      for (KvObject<Sandbox> s : sandboxes()) {
        if (s.value().getId().startsWith(ref)) {
          matches.add(s);
        }
      }
      if (matches.size() > 1) {
        throw ambiguous(field, "sandbox", ref);
      }
      if (matches.size() == 1) {
        return matches.get(0);
      }
    }
    throw notFound(field, "sandbox", ref);
  }

  @Override
  public void close() {
    caches.close();
  }

  public static String scopeName(Scope scope) {
    return scope == Scope.SCOPE_GLOBAL ? "global" : "local";
  }

  private static void requireRef(String field, String ref) {
    if (ref == null || ref.isEmpty()) {
      throw CnmException.invalidArgument(field, "required");
    }
  }

  private static CnmException notFound(String field, String kind, String ref) {
    ErrorReason reason = switch (kind) {
      case "network" -> ErrorReason.NETWORK_NOT_FOUND;
      case "endpoint" -> ErrorReason.ENDPOINT_NOT_FOUND;
      case "sandbox" -> ErrorReason.SANDBOX_NOT_FOUND;
      default -> throw new IllegalArgumentException("no NOT_FOUND reason for kind " + kind);
    };
    return new CnmException(ErrorKind.NOT_FOUND, reason,
        field + ": no " + kind + " \"" + ref + "\"", Map.of("field", field, "resource", kind, "ref", ref), null);
  }

  private static CnmException ambiguous(String field, String kind, String ref) {
    return new CnmException(ErrorKind.FAILED_PRECONDITION, ErrorReason.AMBIGUOUS_REFERENCE,
        field + ": \"" + ref + "\" matches more than one " + kind + "; give more of the id",
        Map.of("field", field, "resource", kind, "ref", ref), null);
  }
}
