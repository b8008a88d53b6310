/**
 * cnm's nftables firewall: two tables of its own ({@code inet cnm}, and {@code bridge cnm} for
 * bridged frames), rendered whole from the desired state and swapped in atomically in one
 * transaction; no other table is ever read, changed or deleted.
 *
 * <p>Use from the agent:
 * <pre>{@code
 * NftFirewall firewall = new NftFirewall(new ProcessNftRunner(), NftFirewall.DEFAULT_TABLE, registry);
 * FirewallState state = new FirewallState(
 *     List.of(new FirewallNetwork("network1", "cnm-1a2b3c", List.of(IpPrefix.parseSubnet("172.18.0.0/16")),
 *         true, false, false, List.of("cnm9f8e7d"))),            // masquerade, icc, internal, ports
 *     List.of(PublishedPort.of(Protocol.TCP, 8080, containerIp, 80, "cnm-1a2b3c")),
 *     !proxy.enabled());                                         // hairpin NAT when the proxy is off
 * firewall.apply(state);            // whole desired state, every time; idempotent
 * firewall.drift();                 // Optional<FirewallDrift> vs the last apply (reconcile/report)
 * firewall.remove();                // delete both tables (agent uninstall)
 * }</pre>
 * Input is validated when the records are built (INVALID_ARGUMENT naming the field), so a bad
 * name or port never reaches the kernel. icc=false needs no br_netfilter: the bridge table drops
 * frames between the network's named ports. Where br_netfilter is loaded with
 * {@code net.bridge.bridge-nf-call-iptables=1}, a container reaching its own published port with
 * hairpin on needs its bridge port in hairpin mode (the DNATed packet is bridged back, not routed).
 */
package dev.cnm.agent.firewall;
