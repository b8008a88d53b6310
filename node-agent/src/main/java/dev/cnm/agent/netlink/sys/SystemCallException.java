package dev.cnm.agent.netlink.sys;

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
    super(kind, "KERNEL_" + Errno.name(errno), message(operation, errno, detail),
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
