package dev.cnm.agent.netns;

import dev.cnm.agent.netlink.sys.Errno;
import dev.cnm.agent.netlink.sys.LibC;
import dev.cnm.agent.netlink.sys.SystemCallException;
import dev.cnm.api.v1.ErrorReason;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The node's own network namespace under a stable path, {@code <state-dir>/host-netns}: the key
 * of every host-mode sandbox (libnetwork likewise bind-mounts the daemon's namespace once, on
 * {@code <exec-root>/netns/default}). Why a bind mount: {@code /proc/<agent pid>/ns/net} changes
 * with every agent restart, and {@code /proc/1/ns/net} is init's namespace, which is not the
 * node's when the agent itself runs in another one (as the end-to-end tests run {@code cnm up});
 * a bind mount of the agent's own namespace is true and outlives agent restarts. It sits beside
 * the {@code netns} directory rather than in it, since the dataplane deletes files there that no
 * sandbox wants. The agent never unmounts it: a runtime may enter it while the agent is down.
 */
public final class HostNamespaceFile {
  /** The file's name in the state dir. */
  public static final String NAME = "host-netns";

  private HostNamespaceFile() {}

  /**
   * Binds {@code namespace} (the agent's own, where its bridges live) on
   * {@code <stateDir>/host-netns} unless it already is bound there, and returns that path. A file
   * left with nothing mounted on it (after a reboot) or naming another namespace (an agent moved
   * to another namespace) is bound afresh.
   */
  public static Path bind(Path stateDir, NetNamespace namespace) {
    Path file = stateDir.resolve(NAME).toAbsolutePath();
    String wanted = identity(namespace.fd());
    if (wanted.equals(boundIdentity(file))) {
      return file; // the common restart: already there
    }
    int errno = LibC.umount2(file.toString(), LibC.MNT_DETACH);
    if (errno != 0 && errno != Errno.EINVAL && errno != Errno.ENOENT) {
      throw SystemCallException.of("umount " + file, errno, null);
    }
    try {
      Files.createFile(file);
    } catch (FileAlreadyExistsException e) {
      // a file left by an earlier run with nothing mounted on it: mounted on below
    } catch (IOException e) {
      throw new CnmException(ErrorKind.FAILED_PRECONDITION, ErrorReason.STATE_DIR_UNUSABLE, "cannot create " + file + ": " + e,
          Map.of("path", file.toString()), e);
    }
    LibC.bindMount("/proc/self/fd/" + namespace.fd(), file.toString());
    return file;
  }

  /**
   * The namespace an nsfs descriptor is open on, as the device and inode that stat gives through
   * {@code /proc/self/fd/<fd>} (the kernel's namespace id, as in {@code net:[<inode>]}).
   */
  static String identity(int fd) {
    Path link = Path.of("/proc/self/fd/" + fd);
    try {
      return Files.getAttribute(link, "unix:dev") + ":" + Files.getAttribute(link, "unix:ino");
    } catch (IOException e) {
      throw new CnmException(ErrorKind.INTERNAL, ErrorReason.NETNS_IDENTITY, "cannot stat " + link + ": " + e, Map.of(), e);
    }
  }

  /** The identity of the namespace bound on {@code file}, or null when none is (absent, or a plain file). */
  private static String boundIdentity(Path file) {
    if (!Files.exists(file)) {
      return null;
    }
    try (NetNamespace bound = Namespaces.openExternal(file)) {
      return identity(bound.fd());
    } catch (CnmException e) {
      if (e.kind() == ErrorKind.INVALID_ARGUMENT) {
        return null; // not an nsfs file: nothing is mounted on it
      }
      throw e;
    }
  }
}
