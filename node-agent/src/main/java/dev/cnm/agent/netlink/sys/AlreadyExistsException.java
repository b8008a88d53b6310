package dev.cnm.agent.netlink.sys;

import dev.cnm.runtime.errors.ErrorKind;

/** EEXIST: the object (link, address, route, neighbour, file) already exists. */
public final class AlreadyExistsException extends SystemCallException {
  AlreadyExistsException(String operation, int errno, String detail) {
    super(ErrorKind.ALREADY_EXISTS, operation, errno, detail);
  }
}
