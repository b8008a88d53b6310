/**
 * Service discovery: the embedded DNS resolver of every sandbox (Docker's 127.0.0.11), on
 * netty's DNS codec. {@link dev.cnm.agent.dns.ResolverRecords} is what one sandbox can resolve
 * (the names of its networks only), {@link dev.cnm.agent.dns.SandboxResolver} serves it inside
 * the sandbox's namespace and forwards the rest to {@link dev.cnm.agent.dns.Upstreams}, and
 * {@link dev.cnm.agent.dns.ResolvConfRender} writes the resolv.conf that points at it;
 * {@link dev.cnm.agent.dns.SandboxResolvers} keeps one per sandbox of the node, level-triggered.
 *
 * <p>The agent's apply pipeline drives them ({@link dev.cnm.agent.apply.SandboxDns}): after each
 * snapshot every sandbox with an endpoint on a bridge or overlay network is served, with the
 * snapshot's endpoints and its overlay networks' remote peers as records.
 */
package dev.cnm.agent.dns;
