package dev.cnm.agent.proxy;

import java.net.InetSocketAddress;

/** A running proxy listener; {@link #close()} stops listening and ends the connections it relays. */
public interface PortProxy extends AutoCloseable {

  /** What this proxy was started for. */
  ProxySpec spec();

  /** The address actually bound (the port is the kernel's choice when the spec asked for port 0). */
  InetSocketAddress localAddress();

  @Override
  void close();
}
