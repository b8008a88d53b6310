package dev.cnm.controller.domain.query;

import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.Network;
import dev.cnm.api.v1.ObjectEvent;
import dev.cnm.api.v1.ObjectKind;
import dev.cnm.api.v1.Sandbox;
import dev.cnm.controller.domain.repository.ObjectRepository;
import dev.cnm.controller.domain.repository.StoreKeys;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.store.client.KvObject;
import dev.cnm.store.client.StoreWatch;
import dev.cnm.store.client.WatchEvent;
import dev.cnm.store.client.WatchListener;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The read side of the NetworkController API: Get and List of networks, endpoints and sandboxes
 * (each with the store revision it was read at), their filters and pages, and the object watch.
 * Reads the view it is given (the controller passes the store-reading one).
 */
public final class ObjectQueries {
  private final ObjectRepository repo;

  public ObjectQueries(ObjectRepository repo) {
    this.repo = repo;
  }

  /** A network by id, unique id prefix or name. */
  public Network network(String ref) {
    return networkWithRevision(repo.network("network", ref));
  }

  /**
   * The networks whose name and driver equal the given ones (empty: any) and whose labels match
   * every filter ({@code key} present, or {@code key=value}), by name, one page.
   */
  public Pages.Page<Network> networks(String name, String driver, List<String> labelFilters, int pageSize,
      String pageToken) {
    List<Network> all = new ArrayList<>();
    for (KvObject<Network> n : repo.networks()) {
      Network v = networkWithRevision(n);
      if ((name.isEmpty() || v.getName().equals(name)) && (driver.isEmpty() || v.getDriver().equals(driver))
          && labelsMatch(v.getLabelsMap(), labelFilters)) {
        all.add(v);
      }
    }
    return sortedPage(all, Network::getName, pageSize, pageToken);
  }

  static boolean labelsMatch(Map<String, String> labels, List<String> filters) {
    for (String f : filters) {
      int eq = f.indexOf('=');
      if (eq < 0 ? !labels.containsKey(f) : !f.substring(eq + 1).equals(labels.get(f.substring(0, eq)))) {
        return false;
      }
    }
    return true;
  }

  /** An endpoint of {@code networkRef} (empty: of any network), marked when its node is down. */
  public Endpoint endpoint(String networkRef, String ref) {
    return EndpointNodeStatus.mark(repo, endpointWithRevision(repo.endpoint("network", networkRef, "endpoint", ref)));
  }

  /** The endpoints of {@code networkRef} (empty: of every network), by network name, name and id, one page. */
  public Pages.Page<Endpoint> endpoints(String networkRef, int pageSize, String pageToken) {
    List<KvObject<Endpoint>> kvs = networkRef.isEmpty() ? repo.allEndpoints()
        : repo.endpoints(repo.network("network", networkRef).value().getId());
    List<Endpoint> all = new ArrayList<>();
    for (KvObject<Endpoint> e : kvs) {
      all.add(endpointWithRevision(e));
    }
    Pages.Page<Endpoint> p = sortedPage(all, e -> e.getNetworkName() + "/" + e.getName() + "/" + e.getId(),
        pageSize, pageToken);
    return new Pages.Page<>(EndpointNodeStatus.markAll(repo, p.items()), p.nextToken());
  }

  /** A sandbox by id, unique id prefix or container id. */
  public Sandbox sandbox(String ref) {
    return sandboxWithRevision(repo.sandbox("sandbox", ref));
  }

  /** The sandboxes on {@code node} (empty: on any), by container id, one page. */
  public Pages.Page<Sandbox> sandboxes(String node, int pageSize, String pageToken) {
    List<Sandbox> all = new ArrayList<>();
    for (KvObject<Sandbox> s : repo.sandboxes()) {
      if (node.isEmpty() || s.value().getNode().equals(node)) {
        all.add(sandboxWithRevision(s));
      }
    }
    return sortedPage(all, Sandbox::getContainerId, pageSize, pageToken);
  }

  /**
   * Watches the controller's objects from {@code fromRevision} (0: from now): each change of a
   * network, endpoint, sandbox or node of {@code kinds} (empty: all) goes to {@code events}, in
   * store order; a watch that ends (its history compacted) reports to {@code error}.
   */
  public StoreWatch watch(long fromRevision, Set<ObjectKind> kinds, Consumer<ObjectEvent> events,
      Consumer<CnmException> error) {
    return repo.store().watch(StoreKeys.ROOT, fromRevision, new WatchListener() {
      @Override
      public void onEvents(long revision, List<WatchEvent> changes) {
        for (WatchEvent e : changes) {
          ObjectEvents.of(e).filter(ev -> kinds.isEmpty() || kinds.contains(ev.getKind())).ifPresent(events);
        }
      }

      @Override
      public void onError(CnmException e) {
        error.accept(e);
      }
    });
  }

  private static <T extends com.google.protobuf.MessageLite> Pages.Page<T> sortedPage(List<T> all,
      Function<T, String> sortKey, int pageSize, String pageToken) {
    all.sort(Comparator.comparing(sortKey));
    return Pages.page(all, sortKey, pageSize, pageToken);
  }

  private static Network networkWithRevision(KvObject<Network> n) {
    return n.value().toBuilder().setRevision(n.modRevision()).build();
  }

  private static Endpoint endpointWithRevision(KvObject<Endpoint> e) {
    return e.value().toBuilder().setRevision(e.modRevision()).build();
  }

  private static Sandbox sandboxWithRevision(KvObject<Sandbox> s) {
    return s.value().toBuilder().setRevision(s.modRevision()).build();
  }
}
