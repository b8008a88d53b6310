package dev.cnm.agent.dataplane;

import dev.cnm.agent.netlink.NetlinkHandle;
import dev.cnm.agent.netns.Namespaces;
import dev.cnm.agent.netns.NetNamespace;
import dev.cnm.agent.netns.Sysctl;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The open sandboxes: each one's namespace descriptor and its netlink handle. Not thread-safe:
 * the dataplane calls it under its own lock.
 */
final class SandboxRegistry {
  /** One open sandbox. */
  record Sandbox(String id, NetNamespace namespace, NetlinkHandle netlink) {
    SandboxState state() {
      return new SandboxState(id, namespace.path(), namespace.owned());
    }

    void close() {
      netlink.close();
      namespace.close();
    }
  }

  private final Namespaces namespaces;
  private final Map<String, Sandbox> open = new HashMap<>();
  /**
   * Namespaces made ahead of need: eight cover a runtime starting a burst of containers at once
   * (a spare costs one idle netns and one netlink socket).
   */
  private final SpareNamespaces spares = new SpareNamespaces(8);

  SandboxRegistry(Namespaces namespaces) {
    this.namespaces = namespaces;
  }

  Sandbox get(String sandboxId) {
    Sandbox s = open.get(sandboxId);
    if (s == null) {
      throw CnmException.notFound("sandbox", "sandbox " + sandboxId + " is not on this node");
    }
    return s;
  }

  boolean isOpen(String sandboxId) {
    return open.containsKey(sandboxId);
  }

  Collection<Sandbox> all() {
    return open.values();
  }

  /** Owned namespace files on disk (including ones a previous agent run left). */
  List<String> ownedOnDisk() {
    return new ArrayList<>(namespaces.list());
  }

  /**
   * Creates the namespace; its netlink socket is opened and loopback brought up by the very
   * thread that unshared into it, so no second thread has to join it. After a restart an
   * existing file of ours is re-opened instead.
   */
  Sandbox createOwned(String sandboxId) {
    Sandbox existing = open.get(sandboxId);
    if (existing != null) {
      return existing;
    }
    Sandbox s = namespaces.exists(sandboxId) ? reopen(sandboxId) : null;
    Namespaces.Spare<NetlinkHandle> spare = s == null ? spares.take() : null;
    if (spare != null) {
      try {
        Namespaces.Created<NetlinkHandle> c = namespaces.adopt(sandboxId, spare);
        s = new Sandbox(sandboxId, c.namespace(), c.value());
      } catch (RuntimeException e) {
        spares.giveBack(spare);
        throw e;
      }
    }
    if (s == null) {
      Namespaces.Created<NetlinkHandle> c = namespaces.create(sandboxId, SandboxRegistry::prepareCurrentNamespace);
      s = new Sandbox(sandboxId, c.namespace(), c.value());
    }
    open.put(sandboxId, s);
    return s;
  }

  /**
   * Re-opens a namespace file a previous agent run left. After a reboot the file is still there
   * but no namespace is mounted on it any more: such a stale file is removed (null returned) so
   * the sandbox is created afresh.
   */
  private Sandbox reopen(String sandboxId) {
    NetNamespace ns;
    try {
      ns = namespaces.open(sandboxId);
    } catch (CnmException e) {
      if (e.kind() != ErrorKind.INVALID_ARGUMENT) {
        throw e;
      }
      namespaces.delete(sandboxId);
      return null;
    }
    return new Sandbox(sandboxId, ns, openHandle(ns));
  }

  Sandbox openExternal(String sandboxId, Path path) {
    Sandbox existing = open.get(sandboxId);
    if (existing != null) {
      if (!existing.namespace().path().equals(path)) {
        throw CnmException.alreadyExists("sandbox", "sandbox " + sandboxId + " is already open at "
            + existing.namespace().path());
      }
      return existing;
    }
    NetNamespace ns = Namespaces.openExternal(path);
    Sandbox s = new Sandbox(sandboxId, ns, openHandle(ns));
    open.put(sandboxId, s);
    return s;
  }

  private static NetlinkHandle openHandle(NetNamespace ns) {
    try {
      return NetlinkHandle.openIn(ns);
    } catch (RuntimeException e) {
      ns.close();
      throw e;
    }
  }

  /** Closes and forgets the sandbox; deletes its namespace when cnm owns it. */
  void remove(String sandboxId) {
    Sandbox s = open.remove(sandboxId);
    if (s != null) {
      s.close();
      if (!s.namespace().owned()) {
        return;
      }
    }
    namespaces.delete(sandboxId);
  }

  /** Deletes an owned namespace file nobody has open (a leftover). */
  void deleteOwned(String sandboxId) {
    namespaces.delete(sandboxId);
  }

  void closeAll() {
    spares.close();
    open.values().forEach(Sandbox::close);
    open.clear();
  }

  /**
   * Readies the namespace the calling thread is in for a sandbox (loopback up, ARP notify on)
   * and returns a netlink handle on it; spares are prepared the same way.
   */
  static NetlinkHandle prepareCurrentNamespace() {
    NetlinkHandle h = NetlinkHandle.openCurrent();
    try {
      h.links().setUp("lo");
      // a gratuitous ARP when eth0 comes up, so peers forget a previous owner of the IP
      Sysctl.arpNotify("default", true);
      return h;
    } catch (RuntimeException e) {
      h.close();
      throw e;
    }
  }
}
