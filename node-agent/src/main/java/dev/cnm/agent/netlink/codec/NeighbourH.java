package dev.cnm.agent.netlink.codec;

/** Constants of {@code <linux/neighbour.h>}. */
public final class NeighbourH {
  public static final int NDA_DST = 1;
  public static final int NDA_LLADDR = 2;
  public static final int NDA_VLAN = 5;
  public static final int NDA_PORT = 6;
  public static final int NDA_VNI = 7;
  public static final int NDA_IFINDEX = 8;
  public static final int NDA_MASTER = 9;

  public static final int NUD_INCOMPLETE = 0x01;
  public static final int NUD_REACHABLE = 0x02;
  public static final int NUD_STALE = 0x04;
  public static final int NUD_NOARP = 0x40;
  public static final int NUD_PERMANENT = 0x80;

  /** The entry is for the device itself (e.g. the VXLAN device's own FDB). */
  public static final int NTF_SELF = 0x02;
  /** The entry is for the master (the bridge the device is a port of). */
  public static final int NTF_MASTER = 0x04;

  private NeighbourH() {}
}
