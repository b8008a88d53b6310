package dev.cnm.agent.netlink.sys;

import dev.cnm.api.v1.ErrorReason;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import java.util.Map;

/**
 * A system call or a kernel netlink request failed with an errno. Subclasses name the errnos
 * callers branch on (exists, no such device, not found, permission denied); every other errno
 * comes as this class. The message names the operation (an "ip ..." equivalent where there is
 * one), the errno and, when the kernel sent one, its extended-ack text.
 */
public class SystemCallException extends CnmException {
  private final int errno;
  private final String operation;

  protected SystemCallException(ErrorKind kind, String operation, int errno, String detail) {
    super(kind, reason(errno), message(operation, errno, detail),
        Map.of("operation", operation, "errno", Errno.name(errno)), null);
    this.errno = errno;
    this.operation = operation;
  }

  /** The errno the kernel returned (positive, e.g. 17 for EEXIST). */
  public int errno() {
    return errno;
  }

  /** What was attempted, e.g. {@code ip link add cnmt0 type bridge}. */
  public String operation() {
    return operation;
  }

  /** KERNEL_ and the errno's name, as the catalogue lists them; KERNEL_UNNAMED_ERRNO for one cnm does not name. */
  static ErrorReason reason(int errno) {
    switch (errno) {
      case Errno.EPERM: return ErrorReason.KERNEL_EPERM;
      case Errno.ENOENT: return ErrorReason.KERNEL_ENOENT;
      case Errno.ESRCH: return ErrorReason.KERNEL_ESRCH;
      case Errno.EINTR: return ErrorReason.KERNEL_EINTR;
      case Errno.EBADF: return ErrorReason.KERNEL_EBADF;
      case Errno.EAGAIN: return ErrorReason.KERNEL_EAGAIN;
      case Errno.ENOMEM: return ErrorReason.KERNEL_ENOMEM;
      case Errno.EACCES: return ErrorReason.KERNEL_EACCES;
      case Errno.EBUSY: return ErrorReason.KERNEL_EBUSY;
      case Errno.EEXIST: return ErrorReason.KERNEL_EEXIST;
      case Errno.ENODEV: return ErrorReason.KERNEL_ENODEV;
      case Errno.ENOTDIR: return ErrorReason.KERNEL_ENOTDIR;
      case Errno.EINVAL: return ErrorReason.KERNEL_EINVAL;
      case Errno.ENOSPC: return ErrorReason.KERNEL_ENOSPC;
      case Errno.ERANGE: return ErrorReason.KERNEL_ERANGE;
      case Errno.ENOBUFS: return ErrorReason.KERNEL_ENOBUFS;
      case Errno.EOPNOTSUPP: return ErrorReason.KERNEL_EOPNOTSUPP;
      case Errno.EAFNOSUPPORT: return ErrorReason.KERNEL_EAFNOSUPPORT;
      case Errno.EADDRINUSE: return ErrorReason.KERNEL_EADDRINUSE;
      case Errno.EADDRNOTAVAIL: return ErrorReason.KERNEL_EADDRNOTAVAIL;
      case Errno.ENETUNREACH: return ErrorReason.KERNEL_ENETUNREACH;
      default: return ErrorReason.KERNEL_UNNAMED_ERRNO;
    }
  }

  private static String message(String operation, int errno, String detail) {
    StringBuilder b = new StringBuilder(operation).append(": ").append(Errno.name(errno))
        .append(" (").append(Errno.describe(errno)).append(')');
    if (detail != null && !detail.isEmpty()) {
      b.append(": ").append(detail);
    }
    return b.toString();
  }

  /** The exception for an errno: a specific subclass for the common ones. */
  public static SystemCallException of(String operation, int errno, String detail) {
    switch (errno) {
      case Errno.EEXIST:
        return new AlreadyExistsException(operation, errno, detail);
      case Errno.ENODEV:
        return new NoSuchDeviceException(operation, errno, detail);
      case Errno.ENOENT:
      case Errno.ESRCH:
      case Errno.EADDRNOTAVAIL:
        return new NotFoundException(operation, errno, detail);
      case Errno.EPERM:
      case Errno.EACCES:
        return new PermissionDeniedException(operation, errno, detail);
      case Errno.EBUSY:
        return new SystemCallException(ErrorKind.FAILED_PRECONDITION, operation, errno, detail);
      case Errno.EINVAL:
      case Errno.ERANGE:
      case Errno.EAFNOSUPPORT:
      case Errno.EOPNOTSUPP:
        return new SystemCallException(ErrorKind.INVALID_ARGUMENT, operation, errno, detail);
      case Errno.EAGAIN:
        return new SystemCallException(ErrorKind.DEADLINE_EXCEEDED, operation, errno, detail);
      default:
        return new SystemCallException(ErrorKind.INTERNAL, operation, errno, detail);
    }
  }
}
