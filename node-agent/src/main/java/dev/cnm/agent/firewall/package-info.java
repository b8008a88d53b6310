/**
 * cnm's nftables firewall: one table of its own ({@code inet cnm}), rendered whole from the
 * desired state and swapped in atomically; no other table is ever read, changed or deleted.
 *
 * <p>Use from the agent:
 * <pre>{@code
 * NftFirewall firewall = new NftFirewall(new ProcessNftRunner(), NftFirewall.DEFAULT_TABLE, registry);
 * FirewallState state = new FirewallState(
 *     List.of(new FirewallNetwork("network1", "cnm-1a2b3c", List.of(IpPrefix.parse("172.18.0.0/16")),
 *         true, true, false)),                                   // masquerade, icc, internal
 *     List.of(PublishedPort.of(Protocol.TCP, 8080, containerIp, 80, "cnm-1a2b3c")),
 *     !proxy.enabled());                                         // hairpin NAT when the proxy is off
 * firewall.apply(state);            // whole desired state, every time; idempotent
 * firewall.drift();                 // Optional<FirewallDrift> vs the last apply (reconcile/report)
 * firewall.remove();                // delete the table (agent uninstall)
 * }</pre>
 * Input is validated when the records are built (INVALID_ARGUMENT naming the field), so a bad
 * name or port never reaches the kernel. The host needs br_netfilter
 * ({@code net.bridge.bridge-nf-call-iptables=1}) for icc=false to take effect, and with hairpin
 * on, each endpoint's bridge port in hairpin mode for a container to reach its own published port.
 */
package dev.cnm.agent.firewall;
