package dev.cnm.agent.firewall;

import dev.cnm.runtime.errors.CnmException;
import java.util.Locale;

/** A transport protocol a port can be published for (libnetwork's types.Protocol, minus SCTP). */
public enum Protocol {
  TCP,
  UDP;

  /** The keyword nftables uses for this protocol ({@code tcp}, {@code udp}). */
  public String nftKeyword() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses {@code tcp} or {@code udp} in any case; anything else is a bad field. */
  public static Protocol parse(String field, String text) {
    if (text != null) {
      for (Protocol p : values()) {
        if (p.name().equalsIgnoreCase(text.trim())) {
          return p;
        }
      }
    }
    throw CnmException.invalidArgument(field, "unknown protocol '" + text + "' (expected tcp or udp)");
  }
}
