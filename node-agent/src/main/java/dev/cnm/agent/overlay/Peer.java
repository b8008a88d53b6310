package dev.cnm.agent.overlay;

import dev.cnm.agent.netlink.MacAddress;
import java.net.InetAddress;
import java.util.Objects;

/**
 * A remote endpoint of an overlay network: its overlay IP and MAC, and the underlay address of
 * the node it lives on. Becomes a static FDB entry (MAC → remote, on the VXLAN device) and a
 * permanent neighbour entry (IP → MAC, answered locally by the device's ARP/ND proxy).
 *
 * @param ip the endpoint's overlay address
 * @param mac the endpoint's MAC
 * @param remote the underlay (advertise) address of its node
 */
public record Peer(InetAddress ip, MacAddress mac, InetAddress remote) {
  public Peer {
    Objects.requireNonNull(ip, "ip");
    Objects.requireNonNull(mac, "mac").checkUnicast("mac");
    Objects.requireNonNull(remote, "remote");
  }
}
