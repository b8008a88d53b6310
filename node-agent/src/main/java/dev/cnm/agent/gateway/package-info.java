/**
 * Egress for overlay sandboxes, as libnetwork's {@code docker_gwbridge}: one node-local bridge
 * ({@code cnm_gwbridge}) with its own subnet, a veth {@code gw0} from each sandbox that has an
 * endpoint of a non-internal overlay network, masquerade for that subnet in the agent's
 * nftables table, and the sandbox's default route through it when its overlay endpoint is the
 * default gateway. Entry point: {@link dev.cnm.agent.gateway.GatewayBridge#open}.
 */
package dev.cnm.agent.gateway;
