package dev.cnm.agent.netlink;

import dev.cnm.runtime.errors.CnmException;

/**
 * MTU bounds. 68 is the IPv4 minimum (RFC 791) and what the kernel's ethernet devices accept
 * as min_mtu; 65535 is the largest a veth, bridge or vxlan takes (ETH_MAX_MTU). With IPv6 the
 * floor is 1280, checked where an IPv6 address is configured.
 */
public final class Mtu {
  public static final int MIN = 68;
  public static final int MIN_IPV6 = 1280;
  public static final int MAX = 65535;

  private Mtu() {}

  /** Returns the MTU; 0 means "kernel default" and passes. */
  public static int check(String field, int mtu) {
    if (mtu != 0 && (mtu < MIN || mtu > MAX)) {
      throw CnmException.invalidArgument(field, "MTU " + mtu + " is out of range [" + MIN + ", " + MAX + "]");
    }
    return mtu;
  }
}
