package dev.cnm.agent.gateway;

import dev.cnm.api.v1.ErrorReason;
import dev.cnm.runtime.net.IpPrefix;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.Map;

/**
 * The gateway bridge's subnet as an allocator: the first host address is the bridge's, each
 * sandbox gets one of the others. A sandbox's first choice is derived from its id (so a sandbox
 * usually gets the same address again), the next free one on a collision. The agent keeps no
 * durable state: after a restart the addresses in use are re-read from the kernel
 * ({@link #claim}). Not thread-safe: used under the gateway bridge's lock.
 */
final class GatewayAddresses {
  private final int base;
  private final int size;
  private final int prefixLength;
  private final Map<Integer, String> used = new HashMap<>();

  GatewayAddresses(IpPrefix subnet) {
    int mask = subnet.length() == 0 ? 0 : -1 << (32 - subnet.length());
    this.base = toInt(subnet.address()) & mask;
    this.size = 1 << (32 - subnet.length());
    this.prefixLength = subnet.length();
  }

  /** The subnet in CIDR form with the host bits cleared, e.g. "172.18.0.0/16". */
  String subnetText() {
    return toInet(base).getHostAddress() + "/" + prefixLength;
  }

  /** The bridge's address: the subnet's first host address. */
  IpPrefix gateway() {
    return new IpPrefix(toInet(base + 1), prefixLength);
  }

  /** Records that {@code sandboxId} holds {@code address} (read back from the kernel); false when taken. */
  boolean claim(String sandboxId, InetAddress address) {
    int offset = toInt(address) - base;
    if (offset < 2 || offset >= size - 1) {
      return false;
    }
    String holder = used.putIfAbsent(offset, sandboxId);
    return holder == null || holder.equals(sandboxId);
  }

  /** An address for {@code sandboxId}, with the subnet's prefix length. */
  IpPrefix allocate(String sandboxId) {
    int hosts = size - 3; // less network, gateway and broadcast
    int first = Math.floorMod(sandboxId.hashCode(), hosts);
    for (int i = 0; i < hosts; i++) {
      int offset = 2 + (first + i) % hosts;
      if (used.putIfAbsent(offset, sandboxId) == null) {
        return new IpPrefix(toInet(base + offset), prefixLength);
      }
    }
    throw dev.cnm.runtime.errors.CnmException.failedPrecondition(ErrorReason.GWBRIDGE_SUBNET_FULL, "the gateway bridge's subnet "
        + toInet(base).getHostAddress() + "/" + prefixLength + " has no free address (--gwbridge-subnet)");
  }

  void release(InetAddress address) {
    used.remove(toInt(address) - base);
  }

  private static int toInt(InetAddress a) {
    byte[] b = a.getAddress();
    return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
  }

  private static InetAddress toInet(int v) {
    try {
      return InetAddress.getByAddress(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}
