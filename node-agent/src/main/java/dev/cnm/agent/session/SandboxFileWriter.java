package dev.cnm.agent.session;

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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes each sandbox's hosts and resolv.conf under {@code <stateDir>/sandboxes/<id>/}. Each
 * file is rewritten only when its own inputs change (a Join changes the hosts file, not
 * resolv.conf), and without fsync: the files are derived from the controller's desired state
 * and this writer remembers nothing across restarts, so a new agent process rewrites every
 * sandbox's files from its first snapshot (the atomic rename still keeps readers from seeing
 * a half-written file). A host-mode sandbox gets copies of the node's own files instead
 * ({@link NodeFiles}).
 */
public final class SandboxFileWriter {
  private final Path root;
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

  /** Forgets sandboxes that are gone (their directories are removed with their namespaces' state). */
  void retain(java.util.Set<String> sandboxIds) {
    checked.keySet().retainAll(sandboxIds);
    written.keySet().retainAll(sandboxIds);
    resolvWritten.keySet().retainAll(sandboxIds);
  }

  /**
   * The endpoints of each sandbox in the last list {@link #write} was called with: a snapshot's
   * sandboxes all pass the same list, which is indexed once instead of scanned per sandbox.
   */
  private List<NodeEndpoint> indexedList;
  private java.util.Map<String, List<NodeEndpoint>> bySandbox = java.util.Map.of();

  private synchronized List<NodeEndpoint> endpointsOf(String sandboxId, List<NodeEndpoint> endpoints) {
    if (endpoints != indexedList) {
      java.util.Map<String, List<NodeEndpoint>> index = new java.util.HashMap<>(SpecConverter.capacity(endpoints.size()));
      for (NodeEndpoint e : endpoints) {
        index.computeIfAbsent(e.getSandboxId(), k -> new ArrayList<>()).add(e);
      }
      bySandbox = index;
      indexedList = endpoints;
    }
    return bySandbox.getOrDefault(sandboxId, List.of());
  }

  void write(NodeSandbox s, List<NodeEndpoint> all) {
    List<NodeEndpoint> endpoints = endpointsOf(s.getId(), all);
    Checked before = checked.get(s.getId());
    if (before != null && before.sameInstances(s, endpoints)) {
      return;
    }
    // until this write succeeds, a failure must not leave the sandbox looking up to date
    checked.remove(s.getId());
    List<Object> inputs = new ArrayList<>();
    inputs.add(s);
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
    List<Object> resolvInputs = List.of(s.getDnsServersList(), s.getDnsSearchList(), s.getDnsOptionsList(), ipv6);
    if (!resolvInputs.equals(resolvWritten.get(s.getId()))) {
      writeResolvConf(s, dir, ipv6);
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
