package dev.cnm.agent.netlink.sys;

import dev.cnm.runtime.errors.ErrorKind;

/** ENOENT, ESRCH or EADDRNOTAVAIL: the address, route, neighbour or file does not exist. */
public final class NotFoundException extends SystemCallException {
  NotFoundException(String operation, int errno, String detail) {
    super(ErrorKind.NOT_FOUND, operation, errno, detail);
  }
}
