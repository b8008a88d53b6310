package dev.cnm.controller.domain.ports;

import dev.cnm.api.v1.ErrorReason;
import dev.cnm.api.v1.PortBinding;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Chooses host ports for port bindings as libnetwork's portallocator does: a fixed port as
 * given, the first free port of a given range, or for host port 0 the next free port of the
 * ephemeral range (the kernel's ip_local_port_range when readable, else 49153..65535), going
 * round the range from where the last allocation stopped. Which ports are taken comes from the
 * store's port claims of the endpoint's node ({@link PortClaims}: per host address, the
 * unspecified address taking the port on every address of its family); the Join's Txn claims
 * the chosen ones, so a race is a retried conflict.
 */
public final class PortAllocator {
  public static final int DEFAULT_LOW = 49153;
  public static final int DEFAULT_HIGH = 65535;
  private final int low;
  private final int high;
  private final Object lock = new Object();
  /** Guarded by {@link #lock}: where the next ephemeral search starts. */
  private int next;

  public PortAllocator(int low, int high) {
    if (low < 1 || high > 65535 || low > high) {
      throw new IllegalArgumentException("bad port range " + low + "-" + high);
    }
    this.low = low;
    this.high = high;
    this.next = low;
  }

  /** The range from {@code /proc/sys/net/ipv4/ip_local_port_range}, or 49153..65535. */
  public static PortAllocator fromKernel() {
    try {
      String[] parts = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim().split("\\s+");
      return new PortAllocator(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
    } catch (IOException | RuntimeException e) {
      return new PortAllocator(DEFAULT_LOW, DEFAULT_HIGH);
    }
  }

  public int low() {
    return low;
  }

  public int high() {
    return high;
  }

  /**
   * The bindings with their host ports chosen. {@code taken} holds the claims of the node the
   * endpoint joins on (it is not modified); {@code defaultHostIp} fills an empty host_ip.
   */
  public List<PortBinding> allocate(List<PortBinding> bindings, PortClaims taken, String defaultHostIp) {
    PortClaims used = taken.copy();
    List<PortBinding> out = new ArrayList<>(bindings.size());
    for (int i = 0; i < bindings.size(); i++) {
      PortBinding b = bindings.get(i);
      String proto = PortRules.protocol("endpoint.port_bindings[" + i + "].protocol", b.getProtocol());
      String field = "endpoint.port_bindings[" + i + "].host_port";
      String hostIp = b.getHostIp().isEmpty() ? defaultHostIp : b.getHostIp();
      String ip = PortClaims.canonicalIp(hostIp);
      int port;
      if (b.getHostPort() == 0) {
        port = ephemeral(proto, ip, used, field);
      } else {
        int end = b.getHostPortEnd() == 0 ? b.getHostPort() : b.getHostPortEnd();
        port = -1;
        for (int p = b.getHostPort(); p <= end; p++) {
          if (!used.conflicts(ip, proto, p)) {
            port = p;
            break;
          }
        }
        if (port < 0) {
          String what = end == b.getHostPort() ? " port " + end + " is already published on "
              + used.holder(ip, proto, end) : " ports " + b.getHostPort() + "-" + end + " are already published";
          throw new CnmException(ErrorKind.ALREADY_EXISTS, ErrorReason.PORT_ALREADY_PUBLISHED,
              field + ": " + proto + what + " of node \"" + used.node() + "\"", Map.of("field", field), null);
        }
      }
      used.add(ip, proto, port);
      out.add(b.toBuilder().setHostPort(port).setHostPortEnd(0).setHostIp(hostIp).build());
    }
    return out;
  }

  private int ephemeral(String proto, String ip, PortClaims used, String field) {
    synchronized (lock) {
      int size = high - low + 1;
      for (int i = 0; i < size; i++) {
        int p = low + Math.floorMod(next - low + i, size);
        if (!used.conflicts(ip, proto, p)) {
          next = p == high ? low : p + 1;
          return p;
        }
      }
    }
    throw new CnmException(ErrorKind.RESOURCE_EXHAUSTED, ErrorReason.NO_FREE_PORT,
        field + ": no free " + proto + " port in " + low + "-" + high + " on " + ip + " of node \"" + used.node() + "\"",
        Map.of("field", field), null);
  }
}
