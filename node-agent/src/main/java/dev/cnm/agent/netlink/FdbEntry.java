package dev.cnm.agent.netlink;

import dev.cnm.agent.netlink.codec.NeighbourH;
import java.net.InetAddress;

/**
 * A bridge forwarding-database entry (family AF_BRIDGE). On a VXLAN device with NTF_SELF and a
 * destination it says "MAC lives behind this underlay IP" — the overlay's static peer entry.
 *
 * @param index the port (or VXLAN device) ifindex
 * @param mac the MAC address
 * @param destination the remote underlay IP (VXLAN only), or null
 * @param state NUD_PERMANENT for static entries
 * @param flags NTF_SELF (the device's own table) and/or NTF_MASTER (the bridge it is a port of)
 */
public record FdbEntry(int index, MacAddress mac, InetAddress destination, int state, int flags) {
  /** Equivalent to the entry of: {@code bridge fdb append MAC dev VXLAN dst IP self permanent}. */
  public static FdbEntry vxlanPeer(int vxlanIndex, MacAddress mac, InetAddress remote) {
    return new FdbEntry(vxlanIndex, mac, remote, NeighbourH.NUD_PERMANENT, NeighbourH.NTF_SELF);
  }
}
