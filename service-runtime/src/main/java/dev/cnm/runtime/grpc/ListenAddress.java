package dev.cnm.runtime.grpc;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A parsed server or channel address: {@code HOST:PORT} (IPv6 as {@code [::1]:PORT};
 * {@code :PORT} = every interface), {@code unix:/path} (also {@code unix:///path}) or {@code inprocess:NAME}.
 */
public record ListenAddress(Kind kind, String host, int port, Path socketPath, String inProcessName) {
  /** The transport an address selects. */
  public enum Kind { TCP, UNIX, IN_PROCESS }

  public ListenAddress {
    Objects.requireNonNull(kind, "kind");
  }

  /** Parses an address, failing with a message that shows the accepted forms. */
  public static ListenAddress parse(String text) {
    String value = Objects.requireNonNull(text, "address").trim();
    if (value.startsWith("unix:")) {
      String path = value.substring("unix:".length());
      if (path.startsWith("//")) {
        path = path.substring(2);
      }
      if (!path.startsWith("/")) {
        throw new IllegalArgumentException("'" + text + "': a unix address needs an absolute path (unix:/run/cnm/cnm.sock)");
      }
      return new ListenAddress(Kind.UNIX, null, -1, Path.of(path), null);
    }
    if (value.startsWith("inprocess:")) {
      String name = value.substring("inprocess:".length());
      if (name.isEmpty()) {
        throw new IllegalArgumentException("'" + text + "': an in-process address needs a name (inprocess:NAME)");
      }
      return new ListenAddress(Kind.IN_PROCESS, null, -1, null, name);
    }
    int colon = value.lastIndexOf(':');
    if (colon < 0 || colon == value.length() - 1) {
      throw new IllegalArgumentException("'" + text + "' is not HOST:PORT, unix:/path or inprocess:NAME");
    }
    // ":9100" means every interface, as in Prometheus exporters' flags
    String host = colon == 0 ? "0.0.0.0" : value.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(value.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "': port is not a number");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("'" + text + "': port must be 0-65535");
    }
    return new ListenAddress(Kind.TCP, host, port, null, null);
  }

  /** The socket address of a TCP address (resolving the host). */
  public InetSocketAddress inetSocketAddress() {
    if (kind != Kind.TCP) {
      throw new IllegalStateException(this + " is not a TCP address");
    }
    return new InetSocketAddress(host, port);
  }

  @Override
  public String toString() {
    return switch (kind) {
      case TCP -> (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
      case UNIX -> "unix:" + socketPath;
      case IN_PROCESS -> "inprocess:" + inProcessName;
    };
  }
}
