package dev.cnm.agent.netlink.codec;

/** Constants of {@code <linux/if_addr.h>}. */
public final class IfAddrH {
  public static final int IFA_ADDRESS = 1;
  public static final int IFA_LOCAL = 2;
  public static final int IFA_LABEL = 3;
  public static final int IFA_BROADCAST = 4;
  public static final int IFA_FLAGS = 8;

  /** Skip duplicate address detection: an IPv6 address is usable at once (we own the subnet). */
  public static final int IFA_F_NODAD = 0x02;
  public static final int IFA_F_PERMANENT = 0x80;

  private IfAddrH() {}
}
