package dev.cnm.agent.netns;

import dev.cnm.agent.netlink.sys.Errno;
import dev.cnm.agent.netlink.sys.LibC;
import dev.cnm.agent.netlink.sys.SystemCallException;
import dev.cnm.api.v1.ErrorReason;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/**
 * Named network namespaces under {@code <state-dir>/netns}, made the way {@code ip netns add}
 * makes them: a thread unshares its network namespace and the namespace is kept alive by
 * bind-mounting that thread's nsfs file onto {@code <dir>/<name>}. The thread is a fresh
 * platform thread that ends afterwards, so no thread ever goes back to a pool in the wrong
 * namespace.
 */
public final class Namespaces {
  /** The subdirectory of a state dir that holds the namespace files. */
  public static final String DIR = "netns";
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
  private final Path directory;

  /** @param stateDir the agent's state dir; namespaces live in its {@code netns} subdirectory */
  public Namespaces(Path stateDir) {
    this.directory = stateDir.resolve(DIR);
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new CnmException(ErrorKind.FAILED_PRECONDITION, ErrorReason.STATE_DIR_UNUSABLE,
          "cannot create namespace directory " + directory + ": " + e, Map.of("path", directory.toString()), e);
    }
  }

  /** Where the namespace files are. */
  public Path directory() {
    return directory;
  }

  /** The result of {@link #create(String, Callable)}: the namespace and what ran inside it. */
  public record Created<T>(NetNamespace namespace, T value) {}

  /** Equivalent to: {@code ip netns add NAME}. ALREADY_EXISTS if the file exists. */
  public NetNamespace create(String name) {
    return create(name, () -> null).namespace();
  }

  /**
   * Creates the namespace and, still on the thread that unshared into it, runs {@code inside}
   * (e.g. open a netlink socket, write sysctls): no second thread has to join it later.
   */
  public <T> Created<T> create(String name, Callable<T> inside) {
    Path file = createMountPoint(name);
    try {
      T value = onFreshThread("cnm-netns-add-" + name, () -> {
        LibC.unshare(LibC.CLONE_NEWNET);
        LibC.bindMount("/proc/self/task/" + LibC.gettid() + "/ns/net", file.toString());
        return inside.call();
      });
      return new Created<>(openFile(name, file, true), value);
    } catch (RuntimeException e) {
      LibC.umount2(file.toString(), LibC.MNT_DETACH);
      deleteQuietly(file);
      throw e;
    }
  }

  /**
   * A namespace made ahead of need, not yet named: the descriptor keeps it alive (nothing is on
   * disk, so nothing is left behind if it is never used), {@code value} is what ran inside it.
   */
  public record Spare<T>(int fd, T value) {}

  /** Creates an unnamed namespace and runs {@code inside} in it (see {@link #create(String, Callable)}). */
  public static <T> Spare<T> createSpare(Callable<T> inside) {
    return onFreshThread("cnm-netns-spare", () -> {
      LibC.unshare(LibC.CLONE_NEWNET);
      int fd = LibC.open("/proc/self/task/" + LibC.gettid() + "/ns/net", LibC.O_RDONLY | LibC.O_CLOEXEC);
      try {
        return new Spare<>(fd, inside.call());
      } catch (Exception | Error e) {
        LibC.close(fd);
        throw e;
      }
    });
  }

  /**
   * Names a spare namespace: bind-mounts it on {@code <dir>/<name>} as {@link #create} would have
   * (the spare's descriptor becomes the namespace's). ALREADY_EXISTS if the file exists; the
   * spare is then still the caller's.
   */
  public <T> Created<T> adopt(String name, Spare<T> spare) {
    Path file = createMountPoint(name);
    try {
      LibC.bindMount("/proc/self/fd/" + spare.fd(), file.toString());
    } catch (RuntimeException e) {
      deleteQuietly(file);
      throw e;
    }
    return new Created<>(new NetNamespace(name, file, spare.fd(), true), spare.value());
  }

  /** The empty file a namespace of this name is bind-mounted on; ALREADY_EXISTS if it exists. */
  private Path createMountPoint(String name) {
    Path file = fileOf(name);
    try {
      Files.createFile(file);
    } catch (FileAlreadyExistsException e) {
      throw CnmException.alreadyExists("netns", "network namespace " + name + " already exists at " + file);
    } catch (IOException e) {
      throw new CnmException(ErrorKind.INTERNAL, ErrorReason.NETNS_FILE, "cannot create " + file + ": " + e,
          Map.of("path", file.toString()), e);
    }
    return file;
  }

  /** Opens an owned namespace by name; NOT_FOUND if there is none. */
  public NetNamespace open(String name) {
    Path file = fileOf(name);
    if (!Files.exists(file)) {
      throw CnmException.notFound("netns", "network namespace " + name + " does not exist (no " + file + ")");
    }
    return openFile(name, file, true);
  }

  /**
   * Opens a namespace made by someone else (a container runtime's {@code /proc/PID/ns/net} or
   * {@code /var/run/netns/X}). cnm configures it but never deletes it. The path is checked
   * before anything else happens: it must exist and be a network namespace.
   */
  public static NetNamespace openExternal(Path path) {
    if (!Files.exists(path)) {
      throw notANamespace(path, "namespace path " + path + " does not exist");
    }
    return openFile(path.toString(), path, false);
  }

  /** Equivalent to: {@code ip netns del NAME}: lazy unmount, then unlink. Absent is success. */
  public void delete(String name) {
    Path file = fileOf(name);
    int errno = LibC.umount2(file.toString(), LibC.MNT_DETACH);
    if (errno != 0 && errno != Errno.EINVAL && errno != Errno.ENOENT) {
      throw SystemCallException.of("umount " + file, errno, null);
    }
    deleteQuietly(file);
  }

  /** Equivalent to: {@code ip netns list} (names only). */
  public List<String> list() {
    List<String> out = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(directory)) {
      for (Path p : s) {
        out.add(p.getFileName().toString());
      }
    } catch (IOException e) {
      throw new CnmException(ErrorKind.INTERNAL, ErrorReason.NETNS_LIST, "cannot list " + directory + ": " + e, Map.of(), e);
    }
    return out;
  }

  /** Does an owned namespace of that name exist? */
  public boolean exists(String name) {
    return Files.exists(fileOf(name));
  }

  /**
   * Equivalent to: {@code ip netns exec NAME ...} for Java code: runs {@code task} on a fresh
   * platform thread that joined the namespace (setns), and returns its result. The thread ends
   * with the task, so it can never leak into other work in the wrong namespace.
   */
  public static <T> T runIn(NetNamespace namespace, Callable<T> task) {
    int fd = namespace.fd();
    return onFreshThread("cnm-netns-" + namespace.name(), () -> {
      LibC.setns(fd, LibC.CLONE_NEWNET);
      return task.call();
    });
  }

  /** The namespace of the calling thread, opened (external: closing it never deletes anything). */
  public static NetNamespace current() {
    return openFile("self", Path.of("/proc/self/task/" + LibC.gettid() + "/ns/net"), false);
  }

  private Path fileOf(String name) {
    if (name == null || !NAME.matcher(name).matches() || name.equals("..")) {
      throw CnmException.invalidArgument("namespace", "bad namespace name '" + name
          + "': use 1-128 characters of [A-Za-z0-9_.-], starting with a letter or digit");
    }
    return directory.resolve(name);
  }

  private static NetNamespace openFile(String name, Path file, boolean owned) {
    int fd;
    try {
      fd = LibC.open(file.toString(), LibC.O_RDONLY | LibC.O_CLOEXEC);
    } catch (SystemCallException e) {
      if (e.errno() == Errno.ENOENT) {
        throw notANamespace(file, "namespace path " + file + " does not exist");
      }
      throw e;
    }
    int type = LibC.namespaceType(fd);
    if (type != LibC.CLONE_NEWNET) {
      LibC.close(fd);
      throw notANamespace(file, file + " is not a network namespace"
          + (type < 0 ? " (not an nsfs file)" : " (another kind of namespace)"));
    }
    return new NetNamespace(name, file, fd, owned);
  }

  /**
   * INVALID_ARGUMENT with reason {@link ErrorReason#NOT_A_NETWORK_NAMESPACE}: the controller turns this
   * reason, reported for a sandbox, into INVALID_ARGUMENT naming the sandbox's external_key.
   */
  private static CnmException notANamespace(Path path, String message) {
    return new CnmException(ErrorKind.INVALID_ARGUMENT, ErrorReason.NOT_A_NETWORK_NAMESPACE, "namespacePath: " + message,
        Map.of("field", "namespacePath", "path", path.toString()), null);
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new CnmException(ErrorKind.INTERNAL, ErrorReason.NETNS_FILE, "cannot delete " + file + ": " + e,
          Map.of("path", file.toString()), e);
    }
  }

  /** Runs on a new platform (never virtual, never pooled) thread and waits for it. */
  private static <T> T onFreshThread(String name, Callable<T> task) {
    Object[] result = new Object[1];
    Throwable[] failure = new Throwable[1];
    Thread t = new Thread(() -> {
      try {
        result[0] = task.call();
      } catch (Throwable e) {
        failure[0] = e;
      }
    }, name);
    t.setDaemon(true);
    t.start();
    boolean interrupted = false;
    while (true) {
      try {
        t.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (failure[0] instanceof RuntimeException) {
      throw (RuntimeException) failure[0];
    }
    if (failure[0] instanceof Error) {
      throw (Error) failure[0];
    }
    if (failure[0] != null) {
      throw new CnmException(ErrorKind.INTERNAL, ErrorReason.NETNS_TASK, "task in namespace failed: " + failure[0],
          Map.of(), failure[0]);
    }
    @SuppressWarnings("unchecked")
    T value = (T) result[0];
    return value;
  }
}
