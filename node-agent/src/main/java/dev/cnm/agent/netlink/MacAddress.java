package dev.cnm.agent.netlink;

import dev.cnm.runtime.errors.CnmException;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/** A 48-bit Ethernet address. Interfaces get unicast addresses only (the I/G bit clear). */
public final class MacAddress {
  private final byte[] bytes;

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

  /** Parses "aa:bb:cc:dd:ee:ff" (or '-' separated), without checking unicast. */
  public static MacAddress parse(String field, String text) {
    if (text == null) {
      throw CnmException.invalidArgument(field, "MAC address is missing");
    }
    String[] parts = text.split("[:-]", -1);
    if (parts.length != 6) {
      throw CnmException.invalidArgument(field, "malformed MAC address '" + text + "': expected 6 hex octets");
    }
    byte[] b = new byte[6];
    for (int i = 0; i < 6; i++) {
      if (parts[i].length() != 2 || !parts[i].matches("[0-9a-fA-F]{2}")) {
        throw CnmException.invalidArgument(field, "malformed MAC address '" + text + "': octet '" + parts[i] + "'");
      }
      b[i] = (byte) Integer.parseInt(parts[i], 16);
    }
    return new MacAddress(b);
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
    return java.util.HexFormat.ofDelimiter(":").formatHex(bytes); // lower-case xx:xx:..., no Formatter per octet
  }
}
