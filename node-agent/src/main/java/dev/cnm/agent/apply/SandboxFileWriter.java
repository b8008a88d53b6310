package dev.cnm.agent.apply;

import dev.cnm.agent.dns.ResolvConfRender;
import dev.cnm.agent.sandboxfiles.DnsConfig;
import dev.cnm.agent.sandboxfiles.ExtraHost;
import dev.cnm.agent.sandboxfiles.HostsFile;
import dev.cnm.agent.sandboxfiles.NodeFiles;
import dev.cnm.agent.sandboxfiles.SandboxFiles;
import dev.cnm.api.v1.HostEntry;
import dev.cnm.api.v1.NodeEndpoint;
import dev.cnm.api.v1.NodeSandbox;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes each sandbox's hosts and resolv.conf under {@code <stateDir>/sandboxes/<id>/}, and
 * removes that directory when the sandbox is gone. Each
 * file is rewritten only when its own inputs change (a Join changes the hosts file, not
 * resolv.conf), and without fsync: the files are derived from the controller's desired state
 * and this writer remembers nothing across restarts, so a new agent process rewrites every
 * sandbox's files from its first snapshot (the atomic rename still keeps readers from seeing
 * a half-written file), and its first full reconcile removes the directories of sandboxes that
 * went while no agent ran ({@link #removeAllExcept}).
 *
 * <p>Writes and removals must not overlap: the applier runs the removals on its session thread
 * after the snapshot's writes have completed, with the sandbox ids of that same snapshot, so a
 * sandbox whose create is in flight (in the snapshot) is never collected.
 *
 * <p>A host-mode sandbox gets copies of the node's own files instead ({@link NodeFiles}).
 */
public final class SandboxFileWriter {
  private static final Logger LOG = LoggerFactory.getLogger(SandboxFileWriter.class);
  private final Path root;
  /** Sandboxes whose directory could not be removed: tried again with every later call to remove. */
  private final java.util.Set<String> undeleted = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final SandboxFiles files;
  private final NodeFiles node;
  /** What each sandbox's files were last written from: unchanged inputs are not rewritten (each write fsyncs). */
  private final java.util.Map<String, java.util.List<Object>> written = new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.Map<String, java.util.List<Object>> resolvWritten = new java.util.concurrent.ConcurrentHashMap<>();
  /**
   * The very messages each sandbox's files are known to be up to date with. A snapshot repeats
   * the instances of every object it does not change (on the in-process channel), so most
   * sandboxes are skipped by identity, without deriving their inputs.
   */
  private final java.util.Map<String, Checked> checked = new java.util.concurrent.ConcurrentHashMap<>();

  private record Checked(NodeSandbox sandbox, List<NodeEndpoint> endpoints) {
    boolean sameInstances(NodeSandbox s, List<NodeEndpoint> eps) {
      if (s != sandbox || eps.size() != endpoints.size()) {
        return false;
      }
      for (int i = 0; i < eps.size(); i++) {
        if (eps.get(i) != endpoints.get(i)) {
          return false;
        }
      }
      return true;
    }
  }

  /** The directory under the agent's state dir that holds one directory per sandbox. */
  public static final String DIR = "sandboxes";

  public SandboxFileWriter(Path stateDir, SandboxFiles files) {
    this(stateDir, files, NodeFiles.SYSTEM);
  }

  /** {@code node}: the node's own files, which host-mode sandboxes get copies of. */
  public SandboxFileWriter(Path stateDir, SandboxFiles files, NodeFiles node) {
    this.root = stateDir.resolve(DIR);
    this.files = files;
    this.node = node;
  }

  /** The directory holding a sandbox's files. */
  public Path dir(String sandboxId) {
    return root.resolve(sandboxId);
  }

  /** The directory that holds one directory per sandbox ({@code <stateDir>/sandboxes}). */
  public Path root() {
    return root;
  }

  /** Forgets what was written for sandboxes not in {@code sandboxIds} (their directories: {@link #remove}). */
  void retain(java.util.Set<String> sandboxIds) {
    checked.keySet().retainAll(sandboxIds);
    written.keySet().retainAll(sandboxIds);
    resolvWritten.keySet().retainAll(sandboxIds);
  }

  /**
   * Removes the directories of sandboxes that are gone (deleted, or whose create failed) and
   * forgets what was written for them, so a sandbox that is desired again is written afresh.
   * An absent directory is success. A directory that cannot be removed (e.g. a file in it is a
   * mount point) is logged and tried again by every later call, with or without ids.
   */
  void remove(java.util.Collection<String> sandboxIds) {
    retryUndeleted(java.util.Set.of());
    for (String id : sandboxIds) {
      forget(id);
      delete(id);
    }
  }

  /**
   * Removes every sandbox directory under the root whose name is not in {@code keep}, the ids of
   * the sandboxes the node holds: a full reconcile's collection, which also finds what an earlier
   * agent process left behind. Only directories are touched; the root itself stays.
   */
  void removeAllExcept(java.util.Set<String> keep) {
    List<String> gone = new ArrayList<>();
    try (java.nio.file.DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
      for (Path d : dirs) {
        String id = d.getFileName().toString();
        if (!keep.contains(id) && Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
          gone.add(id);
        }
      }
    } catch (NoSuchFileException e) {
      // no sandbox was ever written here
    } catch (IOException e) {
      LOG.warn("cannot list " + root + " to remove the files of sandboxes that are gone: " + e.getMessage());
    }
    retryUndeleted(keep);
    for (String id : gone) {
      forget(id);
      delete(id);
    }
  }

  private void forget(String id) {
    checked.remove(id);
    written.remove(id);
    resolvWritten.remove(id);
  }

  private void retryUndeleted(java.util.Set<String> keep) {
    for (String id : List.copyOf(undeleted)) {
      if (keep.contains(id)) {
        undeleted.remove(id);
      } else {
        delete(id);
      }
    }
  }

  /** Deletes the sandbox's directory and what it holds (symbolic links themselves, never their targets). */
  private void delete(String id) {
    if (id.isEmpty() || id.equals(".") || id.equals("..") || id.indexOf('/') >= 0) {
      return; // not a name inside the root: nothing of ours
    }
    Path dir = dir(id);
    try {
      deleteTree(dir);
      undeleted.remove(id);
    } catch (IOException e) {
      if (undeleted.add(id)) {
        LOG.warn("cannot remove the files of sandbox " + id + " (" + dir + "), tried again with every "
            + "snapshot: " + e);
      }
    }
  }

  private static void deleteTree(Path p) throws IOException {
    if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      try (java.nio.file.DirectoryStream<Path> entries = Files.newDirectoryStream(p)) {
        for (Path e : entries) {
          deleteTree(e);
        }
      } catch (NoSuchFileException e) {
        return;
      }
    }
    Files.deleteIfExists(p);
  }

  /**
   * The endpoints of each sandbox in the last list {@link #write} was called with: a snapshot's
   * sandboxes all pass the same list, which is indexed once instead of scanned per sandbox.
   */
  private List<NodeEndpoint> indexedList;
  private java.util.Map<String, List<NodeEndpoint>> bySandbox = java.util.Map.of();

  private synchronized List<NodeEndpoint> endpointsOf(String sandboxId, List<NodeEndpoint> endpoints) {
    if (endpoints != indexedList) {
      java.util.Map<String, List<NodeEndpoint>> index = new java.util.HashMap<>(endpoints.size() * 4 / 3 + 1);
      for (NodeEndpoint e : endpoints) {
        index.computeIfAbsent(e.getSandboxId(), k -> new ArrayList<>()).add(e);
      }
      bySandbox = index;
      indexedList = endpoints;
    }
    return bySandbox.getOrDefault(sandboxId, List.of());
  }

  /**
   * Writes the sandbox's hosts and resolv.conf. {@code resolver}: the sandbox has an embedded
   * resolver, so its resolv.conf names 127.0.0.11 alone (its dns_servers are the resolver's
   * upstreams) with its search domains (else the host's) and options ({@code ndots:0} when it
   * gives none).
   */
  void write(NodeSandbox s, List<NodeEndpoint> all, boolean resolver) {
    List<NodeEndpoint> endpoints = endpointsOf(s.getId(), all);
    Checked before = checked.get(s.getId());
    if (before != null && before.sameInstances(s, endpoints)) {
      return;
    }
    // until this write succeeds, a failure must not leave the sandbox looking up to date
    checked.remove(s.getId());
    undeleted.remove(s.getId()); // desired again: its directory is no longer one to remove
    List<Object> inputs = new ArrayList<>();
    inputs.add(s);
    inputs.add(resolver);
    boolean ipv6 = false;
    for (NodeEndpoint e : endpoints) {
      inputs.add(e.getIpv4Address());
      inputs.add(e.getIpv6Address());
      ipv6 |= !e.getIpv6Address().isEmpty();
    }
    if (inputs.equals(written.get(s.getId()))) {
      checked.put(s.getId(), new Checked(s, endpoints));
      return;
    }
    Path dir = dir(s.getId());
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    writeHosts(s, endpoints, dir);
    List<Object> resolvInputs = List.of(s.getDnsServersList(), s.getDnsSearchList(), s.getDnsOptionsList(), ipv6,
        resolver);
    if (!resolvInputs.equals(resolvWritten.get(s.getId()))) {
      if (resolver) {
        // as Docker does: the host's search domains when the sandbox names none
        List<String> search = s.getDnsSearchCount() > 0 ? s.getDnsSearchList() : files.hostSearch();
        files.writeResolvConf(dir.resolve("resolv.conf"), ResolvConfRender.render(search, s.getDnsOptionsList()), false);
      } else {
        writeResolvConf(s, dir, ipv6);
      }
      resolvWritten.put(s.getId(), resolvInputs);
    }
    written.put(s.getId(), inputs);
    checked.put(s.getId(), new Checked(s, endpoints));
  }

  private void writeHosts(NodeSandbox s, List<NodeEndpoint> endpoints, Path dir) {
    List<InetAddress> addresses = new ArrayList<>();
    boolean ipv6 = false;
    for (NodeEndpoint e : endpoints) {
      if (e.getSandboxId().equals(s.getId())) {
        if (!e.getIpv4Address().isEmpty()) {
          addresses.add(literal(e.getIpv4Address()));
        }
        if (!e.getIpv6Address().isEmpty()) {
          addresses.add(literal(e.getIpv6Address()));
          ipv6 = true;
        }
      }
    }
    List<ExtraHost> extra = new ArrayList<>();
    for (HostEntry h : s.getExtraHostsList()) {
      extra.add(new ExtraHost(h.getHostname(), literal(h.getAddress())));
    }
    if (s.getHostNetwork()) {
      files.writeHosts(dir.resolve("hosts"), node, extra, false); // no address of its own: no line for its name
      return;
    }
    files.writeHosts(dir.resolve("hosts"), new HostsFile(s.getHostname(), s.getDomainName(), addresses, extra, ipv6), false);
  }

  private void writeResolvConf(NodeSandbox s, Path dir, boolean ipv6) {
    List<InetAddress> ns = new ArrayList<>();
    for (String d : s.getDnsServersList()) {
      ns.add(literal(d));
    }
    DnsConfig dns = ns.isEmpty() && s.getDnsSearchCount() == 0 && s.getDnsOptionsCount() == 0 ? DnsConfig.none()
        : new DnsConfig(ns, s.getDnsSearchList(), s.getDnsOptionsList());
    if (s.getHostNetwork() && dns.isEmpty()) {
      files.writeResolvConf(dir.resolve("resolv.conf"), node, false);
      return;
    }
    files.writeResolvConf(dir.resolve("resolv.conf"), dns, ipv6, false);
  }

  /** An address literal (with or without prefix length; validated by the controller): no lookup. */
  private static InetAddress literal(String text) {
    String a = text.contains("/") ? text.substring(0, text.indexOf('/')) : text;
    try {
      return InetAddress.getByName(a);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("bad address " + text, e);
    }
  }
}
