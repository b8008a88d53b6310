package dev.cnm.agent.netlink.sys;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * Every native call cnm makes, through jnr-ffi, in one place. Each wrapper throws a
 * {@link SystemCallException} built from errno when the call fails, so no caller sees -1.
 * Loading the library costs ~200 ms the first time: call {@link #load()} at start-up.
 */
public final class LibC {
  public static final int AF_NETLINK = 16;
  public static final int SOCK_RAW = 3;
  public static final int SOCK_CLOEXEC = 0x80000;
  public static final int SOL_SOCKET = 1;
  public static final int SO_SNDBUF = 7;
  public static final int SO_RCVBUF = 8;
  public static final int SO_RCVTIMEO = 20;
  public static final int SOL_NETLINK = 270;
  public static final int O_RDONLY = 0;
  public static final int O_CLOEXEC = 0x80000;
  public static final int CLONE_NEWNET = 0x40000000;
  public static final long MS_BIND = 4096;
  public static final long MS_NOSUID = 2;
  public static final long MS_NODEV = 4;
  public static final long MS_NOEXEC = 8;
  public static final int MNT_DETACH = 2;
  /** NS_GET_NSTYPE = _IO(0xb7, 0x3) (linux/nsfs.h): the CLONE_NEW* type of an nsfs descriptor. */
  public static final long NS_GET_NSTYPE = 0xb703;

  /** The jnr-mapped functions; only {@link LibC} calls them, and reads errno right after. */
  public interface Native {
    @SaveError int socket(int domain, int type, int protocol);

    @SaveError int bind(int fd, @In byte[] addr, int addrlen);

    @SaveError @ssize_t long sendto(int fd, ByteBuffer buf, @size_t long len, int flags, @In byte[] addr, int addrlen);

    @SaveError @ssize_t long recvfrom(int fd, ByteBuffer buf, @size_t long len, int flags, Pointer addr, Pointer addrlen);

    @SaveError int setsockopt(int fd, int level, int name, @In byte[] value, int len);

    @SaveError int close(int fd);

    @SaveError int open(String path, int flags);

    @SaveError int ioctl(int fd, long request);

    @SaveError int unshare(int flags);

    @SaveError int setns(int fd, int nstype);

    @SaveError int mount(String source, String target, String fstype, long flags, Pointer data);

    @SaveError int umount2(String target, int flags);

    int getpid();

    int gettid();
  }

  private static final class Holder {
    static final Native LIB = LibraryLoader.create(Native.class).load("c");
    static final Runtime RUNTIME = Runtime.getRuntime(LIB);
  }

  private LibC() {}

  /** Loads libc now (the first load is slow; do it at start-up, not on the first request). */
  public static void load() {
    Holder.LIB.getpid();
  }

  private static int errno() {
    return Holder.RUNTIME.getLastError();
  }

  private static int check(int rc, String operation) {
    if (rc < 0) {
      throw SystemCallException.of(operation, errno(), null);
    }
    return rc;
  }

  public static int socket(int domain, int type, int protocol) {
    return check(Holder.LIB.socket(domain, type, protocol), "socket(" + domain + ")");
  }

  public static void bind(int fd, byte[] addr) {
    check(Holder.LIB.bind(fd, addr, addr.length), "bind");
  }

  /** Sends {@code len} bytes from the start of a direct buffer. */
  public static void sendto(int fd, ByteBuffer direct, int len, byte[] addr) {
    while (true) {
      long n = Holder.LIB.sendto(fd, direct, len, 0, addr, addr.length);
      if (n >= 0) {
        return;
      }
      int e = errno();
      if (e != Errno.EINTR) {
        throw SystemCallException.of("sendto", e, null);
      }
    }
  }

  /** Receives into a direct buffer; returns the byte count (EINTR retried). */
  public static int recvfrom(int fd, ByteBuffer direct, int flags) {
    while (true) {
      long n = Holder.LIB.recvfrom(fd, direct, direct.capacity(), flags, null, null);
      if (n >= 0) {
        return (int) n;
      }
      int e = errno();
      if (e != Errno.EINTR) {
        throw SystemCallException.of("recvfrom", e, e == Errno.EAGAIN ? "no netlink answer in time" : null);
      }
    }
  }

  public static void setsockoptInt(int fd, int level, int name, int value) {
    byte[] v = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(value).array();
    check(Holder.LIB.setsockopt(fd, level, name, v, v.length), "setsockopt(" + level + "," + name + ")");
  }

  /** SO_RCVTIMEO: a struct timeval {long tv_sec; long tv_usec} of 16 bytes on 64-bit Linux. */
  public static void setReceiveTimeout(int fd, long millis) {
    byte[] v = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder())
        .putLong(millis / 1000).putLong((millis % 1000) * 1000).array();
    check(Holder.LIB.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, v, v.length), "setsockopt(SO_RCVTIMEO)");
  }

  public static void close(int fd) {
    check(Holder.LIB.close(fd), "close");
  }

  public static int open(String path, int flags) {
    return check(Holder.LIB.open(path, flags), "open " + path);
  }

  /** The namespace type (CLONE_NEW*) of an nsfs descriptor; ENOTTY (as -errno) if it is not one. */
  public static int namespaceType(int fd) {
    int rc = Holder.LIB.ioctl(fd, NS_GET_NSTYPE);
    return rc < 0 ? -errno() : rc;
  }

  public static void unshare(int flags) {
    check(Holder.LIB.unshare(flags), "unshare");
  }

  public static void setns(int fd, int nstype) {
    check(Holder.LIB.setns(fd, nstype), "setns");
  }

  public static void bindMount(String source, String target) {
    check(Holder.LIB.mount(source, target, "none", MS_BIND, null), "mount --bind " + source + " " + target);
  }

  /** {@code mount -t tmpfs -o nosuid,nodev,noexec,OPTIONS tmpfs TARGET}. */
  public static void mountTmpfs(String target, String options) {
    byte[] text = options.getBytes(StandardCharsets.US_ASCII);
    Pointer data = Memory.allocateDirect(Holder.RUNTIME, text.length + 1);
    data.put(0, text, 0, text.length);
    data.putByte(text.length, (byte) 0);
    check(Holder.LIB.mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, data),
        "mount -t tmpfs -o " + options + " tmpfs " + target);
  }

  /** umount2; returns the errno instead of throwing, since callers tolerate "not mounted". */
  public static int umount2(String target, int flags) {
    return Holder.LIB.umount2(target, flags) < 0 ? errno() : 0;
  }

  public static int getpid() {
    return Holder.LIB.getpid();
  }

  public static int gettid() {
    return Holder.LIB.gettid();
  }
}
