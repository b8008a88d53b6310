package dev.cnm.agent.firewall;

import dev.cnm.runtime.errors.CnmException;
import java.util.Locale;

/**
 * A transport protocol a port can be published for (libnetwork's types.Protocol). Every one
 * gets the same nftables rules; only the userland proxy is limited to TCP and UDP (see
 * {@link #proxiedInUserland()}).
 */
public enum Protocol {
  TCP,
  UDP,
  /**
   * Published by kernel NAT only. nftables matches {@code sctp dport} in the packet's header,
   * so the rules load without the kernel's SCTP sockets; forwarding associations through the
   * DNAT needs conntrack's SCTP tracker ({@code CONFIG_NF_CT_PROTO_SCTP}), not SCTP sockets.
   */
  SCTP;

  /** The keyword nftables uses for this protocol ({@code tcp}, {@code udp}, {@code sctp}). */
  public String nftKeyword() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Whether the userland proxy relays this protocol from loopback. SCTP is not: a relay would
   * need the JDK's SCTP channels, which need libsctp and a kernel with SCTP, so SCTP ports are
   * reachable through the DNAT rules only (as with dockerd's userland proxy switched off).
   */
  public boolean proxiedInUserland() {
    return this != SCTP;
  }

  /** Parses {@code tcp}, {@code udp} or {@code sctp} in any case; anything else is a bad field. */
  public static Protocol parse(String field, String text) {
    if (text != null) {
      for (Protocol p : values()) {
        if (p.name().equalsIgnoreCase(text.trim())) {
          return p;
        }
      }
    }
    throw CnmException.invalidArgument(field, "unknown protocol '" + text + "' (expected tcp, udp or sctp)");
  }
}
