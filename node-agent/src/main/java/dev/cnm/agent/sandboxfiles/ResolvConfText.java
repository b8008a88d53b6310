package dev.cnm.agent.sandboxfiles;

import com.google.common.net.InetAddresses;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reading and filtering resolv.conf text the way libnetwork's resolvconf package does: the
 * last {@code search} and {@code options} lines win, nameservers are collected in order, and
 * the filtered copy keeps every other line (comments included) as it was.
 */
final class ResolvConfText {
  /** libnetwork's defaults when no usable nameserver is left: Google's public resolvers. */
  static final List<String> DEFAULT_IPV4 = List.of("8.8.8.8", "8.8.4.4");
  static final List<String> DEFAULT_IPV6 = List.of("2001:4860:4860::8888", "2001:4860:4860::8844");

  private final List<String> lines;

  ResolvConfText(String text) {
    this.lines = List.of(text.split("\n", -1));
  }

  /** Every nameserver that is an IP literal, in order. */
  List<InetAddress> nameservers() {
    List<InetAddress> out = new ArrayList<>();
    for (String line : lines) {
      String ns = nameserverOf(line);
      if (ns != null) {
        out.add(InetAddresses.forString(ns));
      }
    }
    return out;
  }

  List<String> search() {
    return lastValues("search");
  }

  List<String> options() {
    return lastValues("options");
  }

  /**
   * The text without loopback nameservers (127.0.0.0/8, ::1: unreachable from a sandbox) and,
   * without IPv6, without IPv6 ones; when no nameserver is left, the defaults are appended.
   */
  String filtered(boolean ipv6) {
    List<String> kept = new ArrayList<>();
    int nameservers = 0;
    for (String line : lines) {
      String ns = nameserverOf(line);
      if (ns != null) {
        InetAddress address = InetAddresses.forString(ns);
        if (address.isLoopbackAddress() || (address instanceof Inet6Address && !ipv6)) {
          continue;
        }
        nameservers++;
      }
      kept.add(line);
    }
    while (!kept.isEmpty() && kept.get(kept.size() - 1).isBlank()) {
      kept.remove(kept.size() - 1);
    }
    if (nameservers == 0) {
      DEFAULT_IPV4.forEach(ns -> kept.add("nameserver " + ns));
      if (ipv6) {
        DEFAULT_IPV6.forEach(ns -> kept.add("nameserver " + ns));
      }
    }
    return String.join("\n", kept) + "\n";
  }

  private List<String> lastValues(String keyword) {
    List<String> values = List.of();
    for (String line : lines) {
      String[] words = words(line);
      if (words.length > 0 && words[0].equals(keyword)) {
        values = Arrays.asList(words).subList(1, words.length);
      }
    }
    return values;
  }

  /** The address of a {@code nameserver} line, or null (other lines, and names that are not IP literals). */
  private static String nameserverOf(String line) {
    String[] words = words(line);
    if (words.length >= 2 && words[0].equals("nameserver")) {
      // A scoped IPv6 address (fe80::1%eth0) is valid in resolv.conf; the scope is for the host only.
      String address = words[1].contains("%") ? words[1].substring(0, words[1].indexOf('%')) : words[1];
      return InetAddresses.isInetAddress(address) ? address : null;
    }
    return null;
  }

  private static String[] words(String line) {
    int hash = indexOfComment(line);
    String content = (hash >= 0 ? line.substring(0, hash) : line).trim();
    return content.isEmpty() ? new String[0] : content.split("\\s+");
  }

  private static int indexOfComment(String line) {
    int hash = line.indexOf('#');
    int semicolon = line.indexOf(';');
    if (hash < 0) {
      return semicolon;
    }
    return semicolon < 0 ? hash : Math.min(hash, semicolon);
  }
}
