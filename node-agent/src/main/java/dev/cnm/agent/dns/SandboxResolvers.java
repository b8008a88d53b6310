package dev.cnm.agent.dns;

import dev.cnm.agent.netns.NetNamespace;
import io.netty.channel.EventLoopGroup;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The resolvers of every sandbox on the node, kept level-triggered: each {@link #sync} starts
 * the ones missing, gives the running ones their new records and upstreams, and closes those of
 * sandboxes no longer desired (their sockets would otherwise keep the namespace alive). Called
 * from one thread (the agent's apply thread); a sandbox whose resolver cannot start is reported
 * and the others are still served.
 */
public final class SandboxResolvers implements AutoCloseable {
  /**
   * What one sandbox's resolver needs.
   *
   * @param namespace the sandbox's open namespace; a different object (the sandbox was recreated)
   *     restarts the resolver there
   * @param networks the networks the sandbox is joined to (its records' scope)
   * @param upstreams the sandbox's dns_servers, else the node's resolv.conf servers
   */
  public record Desired(NetNamespace namespace, Set<String> networks, Upstreams upstreams) {
    public Desired {
      Objects.requireNonNull(namespace, "namespace");
      networks = Set.copyOf(networks);
      Objects.requireNonNull(upstreams, "upstreams");
    }
  }

  private record Running(Desired desired, SandboxResolver resolver) {}

  private final EventLoopGroup group;
  private final Map<String, Running> running = new HashMap<>();
  /** The endpoints of the last sync: the same list again (the usual Join elsewhere) rebuilds no view. */
  private List<DnsEndpoint> lastEndpoints = List.of();

  /** @param group the agent's event loops, which serve every resolver and its forwards */
  public SandboxResolvers(EventLoopGroup group) {
    this.group = Objects.requireNonNull(group, "group");
  }

  /**
   * Closes the resolvers of sandboxes not in {@code sandboxIds}: called before their namespaces
   * are deleted, since an open socket keeps a namespace (and the links in it) alive. The closes
   * are not waited for: such a namespace goes moments later, when the event loop has closed them.
   */
  public void retain(Set<String> sandboxIds) {
    for (Iterator<Map.Entry<String, Running>> it = running.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Running> e = it.next();
      if (!sandboxIds.contains(e.getKey())) {
        e.getValue().resolver().closeAsync();
        it.remove();
      }
    }
  }

  /**
   * Makes the running resolvers match {@code sandboxes} (by sandbox id), each with the records of
   * {@code endpoints} (every endpoint the node knows of, local or remote) that are on its networks.
   * Sandboxes on the same networks share one view, built once per sync; a resolver whose inputs
   * did not change keeps its view.
   *
   * @return the sandboxes whose resolver could not start, with why (empty when all are served)
   */
  public Map<String, RuntimeException> sync(Map<String, Desired> sandboxes, List<DnsEndpoint> endpoints) {
    for (Iterator<Map.Entry<String, Running>> it = running.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Running> e = it.next();
      Desired d = sandboxes.get(e.getKey());
      if (d == null || d.namespace() != e.getValue().desired().namespace()) {
        e.getValue().resolver().closeAsync(); // the next one (if any) binds in another namespace
        it.remove();
      }
    }
    boolean sameEndpoints = sameInstances(endpoints, lastEndpoints) || endpoints.equals(lastEndpoints);
    lastEndpoints = List.copyOf(endpoints);
    Map<Set<String>, ResolverRecords> views = new HashMap<>();
    Map<String, RuntimeException> failed = new LinkedHashMap<>();
    for (Map.Entry<String, Desired> e : sandboxes.entrySet()) {
      Desired d = e.getValue();
      Running r = running.get(e.getKey());
      if (r != null && sameEndpoints && (r.desired() == d || r.desired().equals(d))) {
        continue;
      }
      ResolverRecords records = views.computeIfAbsent(d.networks(), n -> ResolverRecords.of(n, lastEndpoints));
      if (r != null) {
        r.resolver().records(records);
        r.resolver().upstreams(d.upstreams());
        running.put(e.getKey(), new Running(d, r.resolver()));
        continue;
      }
      try {
        running.put(e.getKey(), new Running(d, SandboxResolver.start(d.namespace(), group, records, d.upstreams())));
      } catch (RuntimeException ex) {
        failed.put(e.getKey(), ex);
      }
    }
    return failed;
  }

  /** The same endpoint objects in the same order: a caller that reuses unchanged records is compared cheaply. */
  private static boolean sameInstances(List<DnsEndpoint> a, List<DnsEndpoint> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (a.get(i) != b.get(i)) {
        return false;
      }
    }
    return true;
  }

  /** The ids of the sandboxes whose resolver runs. */
  public Set<String> served() {
    return Set.copyOf(running.keySet());
  }

  /** The resolver of a sandbox, if it runs. */
  public Optional<SandboxResolver> get(String sandboxId) {
    Running r = running.get(sandboxId);
    return r == null ? Optional.empty() : Optional.of(r.resolver());
  }

  /** Closes every resolver (agent shutdown; the sandboxes stay, a restarted agent serves them again). */
  @Override
  public void close() {
    running.values().forEach(r -> r.resolver().close());
    running.clear();
  }
}
