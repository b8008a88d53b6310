/**
 * The userland proxy (libnetwork's docker-proxy) on Netty: TCP and UDP relays from loopback
 * host ports to containers, started and stopped from the host's published ports. SCTP ports
 * get no proxy (that would need libsctp and a kernel with SCTP sockets): the firewall's DNAT
 * publishes them, except through loopback.
 *
 * <pre>{@code
 * UserlandProxy proxy = new UserlandProxy(UserlandProxyConfig.DEFAULT, registry); // enabled(false) to switch off
 * proxy.sync(state.ports());   // the same PublishedPort list the firewall gets; level-triggered
 * proxy.close();               // at agent shutdown
 * }</pre>
 */
package dev.cnm.agent.proxy;
