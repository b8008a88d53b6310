package dev.cnm.agent.netlink;

import dev.cnm.runtime.errors.CnmException;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/** A 48-bit Ethernet address. Interfaces get unicast addresses only (the I/G bit clear). */
public final class MacAddress {
  private final byte[] bytes;
  /** The text form, made once: every snapshot's ack carries each endpoint's MAC. */
  private String text;

  private MacAddress(byte[] bytes) {
    this.bytes = bytes;
  }

  /** Wraps six bytes as read from the kernel (no unicast check: the kernel's own may be anything). */
  public static MacAddress of(byte[] bytes) {
    if (bytes.length != 6) {
      throw CnmException.invalidArgument("mac", "expected 6 bytes, got " + bytes.length);
    }
    return new MacAddress(bytes.clone());
  }

  /**
   * Parses "aa:bb:cc:dd:ee:ff" (or '-' separated, the two may be mixed), without checking unicast.
   * Hand-written rather than split and matched with regular expressions: the agent parses every
   * endpoint's MAC of a snapshot it has not seen before.
   */
  public static MacAddress parse(String field, String text) {
    if (text == null) {
      throw CnmException.invalidArgument(field, "MAC address is missing");
    }
    int n = text.length();
    int separators = 0;
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c == ':' || c == '-') {
        separators++;
      }
    }
    if (separators != 5) {
      throw CnmException.invalidArgument(field, "malformed MAC address '" + text + "': expected 6 hex octets");
    }
    byte[] b = new byte[6];
    int start = 0;
    for (int octet = 0; octet < 6; octet++) {
      int end = start;
      while (end < n && text.charAt(end) != ':' && text.charAt(end) != '-') {
        end++;
      }
      int hi = end - start == 2 ? hex(text.charAt(start)) : -1;
      int lo = end - start == 2 ? hex(text.charAt(start + 1)) : -1;
      if (hi < 0 || lo < 0) {
        throw CnmException.invalidArgument(field, "malformed MAC address '" + text + "': octet '"
            + text.substring(start, end) + "'");
      }
      b[octet] = (byte) (hi << 4 | lo);
      start = end + 1;
    }
    return new MacAddress(b);
  }

  /** The value of an ASCII hex digit, or -1. */
  private static int hex(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  /** Parses and requires a unicast, non-zero address: what an interface may carry. */
  public static MacAddress parseUnicast(String field, String text) {
    return parse(field, text).checkUnicast(field);
  }

  /** Throws INVALID_ARGUMENT unless this is a unicast, non-zero address. */
  public MacAddress checkUnicast(String field) {
    if ((bytes[0] & 1) != 0) {
      throw CnmException.invalidArgument(field, "MAC address " + this + " is multicast (I/G bit set)");
    }
    if (Arrays.equals(bytes, new byte[6])) {
      throw CnmException.invalidArgument(field, "MAC address " + this + " is all zeros");
    }
    return this;
  }

  /** A random locally administered unicast address (as the kernel's eth_random_addr). */
  public static MacAddress randomLocal() {
    byte[] b = new byte[6];
    ThreadLocalRandom.current().nextBytes(b);
    b[0] = (byte) ((b[0] & 0xfe) | 0x02);
    return new MacAddress(b);
  }

  /** Docker's scheme: 02:42 followed by the IPv4 address, so the MAC is stable per address. */
  public static MacAddress fromIpv4(byte[] ipv4) {
    return new MacAddress(new byte[] {0x02, 0x42, ipv4[0], ipv4[1], ipv4[2], ipv4[3]});
  }

  public byte[] bytes() {
    return bytes.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MacAddress && Arrays.equals(bytes, ((MacAddress) o).bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    String t = text;
    if (t == null) {
      t = java.util.HexFormat.ofDelimiter(":").formatHex(bytes); // lower-case xx:xx:..., no Formatter per octet
      text = t; // racy but benign: every thread computes the same immutable string
    }
    return t;
  }
}
