package dev.cnm.agent.netlink;

import dev.cnm.agent.netlink.codec.MessageWriter;
import dev.cnm.agent.netlink.codec.NetlinkMessage;
import dev.cnm.agent.netns.NetNamespace;
import dev.cnm.agent.netns.Namespaces;
import java.util.List;

/**
 * The netlink operations of one network namespace. Its socket is opened inside that namespace
 * (once, on a thread switched into it) and stays bound to it, so the handle can then be used
 * from any thread; requests are serialised. Close it to release the socket — an open socket
 * keeps its namespace alive.
 */
public final class NetlinkHandle implements AutoCloseable {
  private final NetlinkSocket socket;
  private final Links links;
  private final Addresses addresses;
  private final Routes routes;
  private final Neighbours neighbours;

  private NetlinkHandle(NetlinkSocket socket) {
    this.socket = socket;
    this.links = new Links(socket);
    this.addresses = new Addresses(socket);
    this.routes = new Routes(socket);
    this.neighbours = new Neighbours(socket);
  }

  /** A handle on the calling thread's current network namespace. */
  public static NetlinkHandle openCurrent() {
    return new NetlinkHandle(NetlinkSocket.open());
  }

  /** A handle on {@code namespace}: the socket is created by a thread that joined it. */
  public static NetlinkHandle openIn(NetNamespace namespace) {
    return Namespaces.runIn(namespace, NetlinkHandle::openCurrent);
  }

  /** {@link #openIn} {@code namespace}, or {@link #openCurrent} when it is null (an optional host namespace). */
  public static NetlinkHandle openInOrCurrent(NetNamespace namespace) {
    return namespace == null ? openCurrent() : openIn(namespace);
  }

  /** {@code ip link ...} */
  public Links links() {
    return links;
  }

  /** {@code ip addr ...} */
  public Addresses addresses() {
    return addresses;
  }

  /** {@code ip route ...} */
  public Routes routes() {
    return routes;
  }

  /** {@code ip neigh ...} and {@code bridge fdb ...} */
  public Neighbours neighbours() {
    return neighbours;
  }

  /**
   * Sends a dump request built with the shared codec (NLM_F_DUMP in its flags) on this handle's
   * socket and returns every answer of type {@code answerType}: for the few dumps whose decoding
   * belongs to the caller (the overlay reads each VXLAN device's IFLA_INFO_DATA).
   *
   * @param operation the "ip ..." equivalent, for the exception's message
   */
  public List<NetlinkMessage> dump(MessageWriter request, String operation, int answerType) {
    return socket.dump(request, operation, answerType);
  }

  @Override
  public void close() {
    socket.close();
  }
}
