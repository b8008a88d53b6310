package dev.cnm.agent.netlink.sys;

import dev.cnm.runtime.errors.ErrorKind;

/** ENODEV: the network interface named or indexed does not exist. */
public final class NoSuchDeviceException extends SystemCallException {
  NoSuchDeviceException(String operation, int errno, String detail) {
    super(ErrorKind.NOT_FOUND, operation, errno, detail);
  }
}
