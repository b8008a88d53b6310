/**
 * NETLINK_ROUTE through jnr-ffi: a {@link dev.cnm.agent.netlink.NetlinkHandle} per network
 * namespace with {@code links()}, {@code addresses()}, {@code routes()} and {@code neighbours()}
 * (including bridge FDB entries), each operation named after its iproute2 verb. Link kinds are
 * classes of {@link dev.cnm.agent.netlink.link}; the wire format lives in the pure
 * {@link dev.cnm.agent.netlink.codec} package; the only native calls are in
 * {@link dev.cnm.agent.netlink.sys.LibC}.
 */
package dev.cnm.agent.netlink;
