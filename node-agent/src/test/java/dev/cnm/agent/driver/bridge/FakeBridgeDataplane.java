package dev.cnm.agent.driver.bridge;

import dev.cnm.agent.dataplane.BridgeDataplane;
import dev.cnm.agent.dataplane.DesiredState;
import dev.cnm.agent.dataplane.EndpointSpec;
import dev.cnm.agent.dataplane.EndpointState;
import dev.cnm.agent.dataplane.NetworkSpec;
import dev.cnm.agent.dataplane.ReconcileReport;
import dev.cnm.agent.dataplane.SandboxSpec;
import dev.cnm.agent.dataplane.SandboxState;
import dev.cnm.agent.netlink.MacAddress;
import dev.cnm.runtime.net.IpPrefix;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A bridge dataplane without a kernel: it records every call ("attach ID", "detach ID",
 * "reconcile"...) and keeps the objects it was asked for, so the applier's diffing can be
 * tested (and timed by throwaway benchmarks) without root or netlink.
 */
final class FakeBridgeDataplane implements BridgeDataplane {
  final List<String> calls = new ArrayList<>();
  final Map<String, NetworkSpec> networks = new LinkedHashMap<>();
  final Map<String, SandboxState> sandboxes = new LinkedHashMap<>();
  final Map<String, EndpointSpec> endpoints = new LinkedHashMap<>();
  private final Map<String, EndpointState> states = new LinkedHashMap<>();
  /** Ids whose next attach fails (once). */
  final java.util.Set<String> failNextAttach = new java.util.HashSet<>();
  /** Network ids whose next removal fails (once), after the network is gone from the fake. */
  final java.util.Set<String> failNextRemove = new java.util.HashSet<>();

  @Override
  public boolean ensureNetwork(NetworkSpec spec) {
    calls.add("network " + spec.networkId());
    return networks.put(spec.networkId(), spec) == null;
  }

  @Override
  public void removeNetwork(String networkId) {
    calls.add("removeNetwork " + networkId);
    networks.remove(networkId);
    if (failNextRemove.remove(networkId)) {
      throw dev.cnm.runtime.errors.CnmException.unavailable("fake remove failure", null);
    }
  }

  @Override
  public SandboxState createSandbox(String sandboxId) {
    calls.add("sandbox " + sandboxId);
    return sandboxes.computeIfAbsent(sandboxId, id -> new SandboxState(id, Path.of("/fake/netns", id), true));
  }

  @Override
  public SandboxState useExternalSandbox(String sandboxId, Path namespacePath) {
    calls.add("external " + sandboxId);
    // the kernel dataplane's check of the path (exists, is a network namespace), without the kernel work after it
    dev.cnm.agent.netns.Namespaces.openExternal(namespacePath).close();
    SandboxState s = new SandboxState(sandboxId, namespacePath, false);
    sandboxes.put(sandboxId, s);
    return s;
  }

  @Override
  public void deleteSandbox(String sandboxId) {
    calls.add("deleteSandbox " + sandboxId);
    sandboxes.remove(sandboxId);
    endpoints.values().removeIf(e -> e.sandboxId().equals(sandboxId));
    states.values().removeIf(e -> e.sandboxId().equals(sandboxId));
  }

  @Override
  public EndpointState attachEndpoint(EndpointSpec spec) {
    calls.add("attach " + spec.endpointId());
    if (failNextAttach.remove(spec.endpointId())) {
      throw dev.cnm.runtime.errors.CnmException.unavailable("fake attach failure", null);
    }
    endpoints.put(spec.endpointId(), spec);
    MacAddress mac = spec.mac() != null ? spec.mac()
        : spec.ipv4() != null ? MacAddress.fromIpv4(spec.ipv4().address().getAddress()) : MacAddress.randomLocal();
    List<IpPrefix> addresses = new ArrayList<>();
    if (spec.ipv4() != null) {
      addresses.add(spec.ipv4());
    }
    if (spec.ipv6() != null) {
      addresses.add(spec.ipv6());
    }
    EndpointState st = new EndpointState(spec.endpointId(), spec.sandboxId(), spec.hostIfName(), spec.ifName(), 2, mac,
        addresses);
    states.put(spec.endpointId(), st);
    return st;
  }

  @Override
  public void detachEndpoint(String endpointId) {
    calls.add("detach " + endpointId);
    endpoints.remove(endpointId);
    states.remove(endpointId);
  }

  @Override
  public Optional<EndpointState> endpoint(String endpointId) {
    return Optional.ofNullable(states.get(endpointId));
  }

  @Override
  public List<SandboxState> sandboxes() {
    return List.copyOf(sandboxes.values());
  }

  /** No kernel namespaces behind the fake's sandboxes. */
  @Override
  public Map<String, dev.cnm.agent.netns.NetNamespace> namespaces() {
    return Map.of();
  }

  @Override
  public ReconcileReport reconcile(DesiredState desired) {
    calls.add("reconcile");
    networks.clear();
    sandboxes.clear();
    endpoints.clear();
    states.clear();
    List<String> calledBefore = new ArrayList<>(calls);
    desired.networks().forEach(this::ensureNetwork);
    for (SandboxSpec s : desired.sandboxes()) {
      if (s.externalPath() == null) {
        createSandbox(s.sandboxId());
      } else {
        useExternalSandbox(s.sandboxId(), s.externalPath());
      }
    }
    Map<String, dev.cnm.runtime.errors.CnmException> failed = new LinkedHashMap<>();
    for (EndpointSpec e : desired.endpoints()) {
      try {
        attachEndpoint(e);
      } catch (dev.cnm.runtime.errors.CnmException ex) {
        failed.put("endpoint/" + e.endpointId(), ex);
      }
    }
    // a reconcile is one call in the log, not the single-object operations it is made of
    calls.clear();
    calls.addAll(calledBefore);
    return new ReconcileReport(List.of(), List.of(), List.of(), failed);
  }

  @Override
  public void close() {}
}
