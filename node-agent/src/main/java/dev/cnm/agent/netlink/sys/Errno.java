package dev.cnm.agent.netlink.sys;

/** The errno values (asm-generic/errno-base.h, errno.h on Linux) that cnm names. */
public final class Errno {
  public static final int EPERM = 1;
  public static final int ENOENT = 2;
  public static final int ESRCH = 3;
  public static final int EINTR = 4;
  public static final int EBADF = 9;
  public static final int EAGAIN = 11;
  public static final int ENOMEM = 12;
  public static final int EACCES = 13;
  public static final int EBUSY = 16;
  public static final int EEXIST = 17;
  public static final int ENODEV = 19;
  public static final int ENOTDIR = 20;
  public static final int EINVAL = 22;
  public static final int ENOSPC = 28;
  public static final int ERANGE = 34;
  public static final int ENOBUFS = 105;
  public static final int EOPNOTSUPP = 95;
  public static final int EAFNOSUPPORT = 97;
  public static final int EADDRINUSE = 98;
  public static final int EADDRNOTAVAIL = 99;
  public static final int ENETUNREACH = 101;

  private Errno() {}

  /** The symbolic name, e.g. "EEXIST"; "errno N" for one cnm does not name. */
  public static String name(int errno) {
    switch (errno) {
      case EPERM: return "EPERM";
      case ENOENT: return "ENOENT";
      case ESRCH: return "ESRCH";
      case EINTR: return "EINTR";
      case EBADF: return "EBADF";
      case EAGAIN: return "EAGAIN";
      case ENOMEM: return "ENOMEM";
      case EACCES: return "EACCES";
      case EBUSY: return "EBUSY";
      case EEXIST: return "EEXIST";
      case ENODEV: return "ENODEV";
      case ENOTDIR: return "ENOTDIR";
      case EINVAL: return "EINVAL";
      case ENOSPC: return "ENOSPC";
      case ERANGE: return "ERANGE";
      case ENOBUFS: return "ENOBUFS";
      case EOPNOTSUPP: return "EOPNOTSUPP";
      case EAFNOSUPPORT: return "EAFNOSUPPORT";
      case EADDRINUSE: return "EADDRINUSE";
      case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
      case ENETUNREACH: return "ENETUNREACH";
      default: return "errno " + errno;
    }
  }

  /** A short English description (strerror's wording). */
  public static String describe(int errno) {
    switch (errno) {
      case EPERM: return "operation not permitted";
      case ENOENT: return "no such file, object or route";
      case ESRCH: return "no such process or object";
      case EAGAIN: return "timed out or try again";
      case EACCES: return "permission denied";
      case EBUSY: return "device or resource busy";
      case EEXIST: return "already exists";
      case ENODEV: return "no such device";
      case EINVAL: return "invalid argument";
      case ERANGE: return "value out of range";
      case ENOBUFS: return "no buffer space";
      case EOPNOTSUPP: return "operation not supported";
      case EAFNOSUPPORT: return "address family not supported";
      case EADDRINUSE: return "address in use";
      case EADDRNOTAVAIL: return "address not available";
      case ENETUNREACH: return "network unreachable";
      default: return "see errno(3)";
    }
  }
}
