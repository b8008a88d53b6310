package dev.cnm.agent.netlink;

import dev.cnm.agent.netlink.codec.NeighbourH;
import java.net.InetAddress;

/**
 * A neighbour (ARP / NDP) entry: IP to MAC on a link. The overlay installs one per remote
 * endpoint on the VXLAN device, permanent, so no ARP ever leaves the node.
 *
 * @param index the link's ifindex
 * @param ip the neighbour's IP address
 * @param mac its MAC, or null (e.g. an incomplete entry in a dump)
 * @param state NUD_* (NUD_PERMANENT for static entries)
 * @param flags NTF_*
 */
public record Neighbour(int index, InetAddress ip, MacAddress mac, int state, int flags) {
  /** A permanent entry, as {@code ip neigh replace IP lladdr MAC dev X nud permanent}. */
  public static Neighbour permanent(int index, InetAddress ip, MacAddress mac) {
    return new Neighbour(index, ip, mac, NeighbourH.NUD_PERMANENT, 0);
  }
}
