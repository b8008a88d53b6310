package dev.cnm.agent.netns;

import dev.cnm.agent.netlink.InterfaceName;
import dev.cnm.api.v1.ErrorReason;
import dev.cnm.runtime.errors.CnmException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Network sysctls, written through /proc/sys. The kernel resolves /proc/sys/net in the network
 * namespace of the thread that opens the file, so call these inside {@link Namespaces#runIn} (or
 * on the thread that created the namespace) to change a sandbox's settings.
 */
public final class Sysctl {
  private static final Path ROOT = Path.of("/proc/sys");

  private Sysctl() {}

  /** Writes {@code value} to /proc/sys/{@code path} (segments, e.g. "net", "ipv4", "ip_forward"). */
  public static void write(String value, String... path) {
    Path p = ROOT;
    for (String segment : path) {
      if (segment.contains("/") || segment.equals("..")) {
        throw CnmException.invalidArgument("sysctl", "bad path segment '" + segment + "'");
      }
      p = p.resolve(segment);
    }
    try {
      Files.writeString(p, value, StandardCharsets.US_ASCII, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new CnmException(dev.cnm.runtime.errors.ErrorKind.INTERNAL, ErrorReason.SYSCTL_FAILED,
          "sysctl -w " + String.join(".", path) + "=" + value + ": " + e.getMessage(),
          java.util.Map.of("sysctl", p.toString()), e);
    }
  }

  /** Reads /proc/sys/{@code path}, trimmed. */
  public static String read(String... path) {
    try {
      return Files.readString(ROOT.resolve(String.join("/", path)), StandardCharsets.US_ASCII).trim();
    } catch (IOException e) {
      throw new CnmException(dev.cnm.runtime.errors.ErrorKind.INTERNAL, ErrorReason.SYSCTL_FAILED,
          "sysctl " + String.join(".", path) + ": " + e.getMessage(), java.util.Map.of(), e);
    }
  }

  /** net.ipv4.ip_forward and net.ipv6.conf.all.forwarding (a bridge network's gateway routes). */
  public static void enableForwarding(boolean ipv6) {
    write("1", "net", "ipv4", "ip_forward");
    if (ipv6) {
      write("1", "net", "ipv6", "conf", "all", "forwarding");
    }
  }

  /** net.ipv6.conf.IFACE.disable_ipv6 ("all" and "default" are accepted too). */
  public static void disableIpv6(String iface, boolean disable) {
    write(disable ? "1" : "0", "net", "ipv6", "conf", checkIface(iface), "disable_ipv6");
  }

  /** net.ipv4.conf.IFACE.arp_notify: send a gratuitous ARP when the link comes up or its MAC changes. */
  public static void arpNotify(String iface, boolean on) {
    write(on ? "1" : "0", "net", "ipv4", "conf", checkIface(iface), "arp_notify");
  }

  private static String checkIface(String iface) {
    return iface.equals("all") || iface.equals("default") ? iface : InterfaceName.check("iface", iface);
  }
}
