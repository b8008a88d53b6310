package dev.cnm.agent.netlink.sys;

import dev.cnm.runtime.errors.ErrorKind;

/** EPERM or EACCES: the caller lacks CAP_NET_ADMIN / CAP_SYS_ADMIN in the namespace. */
public final class PermissionDeniedException extends SystemCallException {
  PermissionDeniedException(String operation, int errno, String detail) {
    super(ErrorKind.PERMISSION_DENIED, operation, errno, detail);
  }
}
