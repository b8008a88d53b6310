package dev.cnm.agent.netns;

import dev.cnm.agent.netlink.sys.LibC;
import java.nio.file.Path;

/**
 * An open network namespace: its nsfs file and an open descriptor on it (for setns and for
 * IFLA_NET_NS_FD, which creates a veth peer directly inside). Owned namespaces were created by
 * cnm under its state dir and may be deleted by it; external ones (a container runtime's) are
 * configured but never deleted. Closing releases the descriptor only, not the namespace.
 */
public final class NetNamespace implements AutoCloseable {
  private final String name;
  private final Path path;
  private final boolean owned;
  private final Object lock = new Object();
  private int fd; // guarded by lock

  NetNamespace(String name, Path path, int fd, boolean owned) {
    this.name = name;
    this.path = path;
    this.fd = fd;
    this.owned = owned;
  }

  /** The name (the file name for owned namespaces; the path for external ones). */
  public String name() {
    return name;
  }

  /** The nsfs file (e.g. {@code <state>/netns/<name>} or {@code /proc/<pid>/ns/net}). */
  public Path path() {
    return path;
  }

  /** True when cnm created it (and so may delete it). */
  public boolean owned() {
    return owned;
  }

  /** The open descriptor; valid until {@link #close()}. */
  public int fd() {
    synchronized (lock) {
      if (fd < 0) {
        throw new IllegalStateException("namespace " + name + " is closed");
      }
      return fd;
    }
  }

  @Override
  public void close() {
    synchronized (lock) {
      if (fd >= 0) {
        LibC.close(fd);
        fd = -1;
      }
    }
  }

  @Override
  public String toString() {
    return "netns " + name + " (" + path + (owned ? ", owned)" : ", external)");
  }
}
