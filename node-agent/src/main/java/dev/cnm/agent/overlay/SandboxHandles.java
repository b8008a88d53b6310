package dev.cnm.agent.overlay;

import dev.cnm.agent.netlink.NetlinkHandle;
import dev.cnm.agent.netns.Namespaces;
import dev.cnm.agent.netns.NetNamespace;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The sandbox namespaces overlay endpoints live in: an open descriptor (for the veth peer born
 * inside) and a netlink handle (for its addresses and routes) per namespace file, shared by the
 * endpoints in it and closed with the last one. Opening costs a thread that joins the namespace
 * once; every later call reuses the socket. Not thread-safe: used under the dataplane's lock.
 */
final class SandboxHandles {
  /** One open sandbox namespace and how many endpoints use it. */
  static final class Entry {
    final NetNamespace namespace;
    final NetlinkHandle netlink;
    int users;

    Entry(NetNamespace namespace, NetlinkHandle netlink) {
      this.namespace = namespace;
      this.netlink = netlink;
    }
  }

  private final Map<Path, Entry> open = new HashMap<>();

  /** Opens (or shares) the namespace at {@code path}; INVALID_ARGUMENT if it is not a network namespace. */
  Entry acquire(Path path) {
    Entry e = open.get(path);
    if (e == null) {
      NetNamespace ns = Namespaces.openExternal(path);
      try {
        e = new Entry(ns, NetlinkHandle.openIn(ns));
      } catch (RuntimeException ex) {
        ns.close();
        throw ex;
      }
      open.put(path, e);
    }
    e.users++;
    return e;
  }

  /** The open entry of a namespace an attached endpoint uses. */
  Entry get(Path path) {
    Entry e = open.get(path);
    if (e == null) {
      throw new IllegalStateException("sandbox namespace " + path + " is not open");
    }
    return e;
  }

  void release(Path path) {
    Entry e = open.get(path);
    if (e != null && --e.users <= 0) {
      open.remove(path);
      e.netlink.close();
      e.namespace.close();
    }
  }

  void closeAll() {
    for (Entry e : open.values()) {
      e.netlink.close();
      e.namespace.close();
    }
    open.clear();
  }
}
