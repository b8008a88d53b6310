/**
 * Service discovery: the embedded DNS resolver of every sandbox (Docker's 127.0.0.11), on
 * netty's DNS codec. {@link dev.cnm.agent.dns.ResolverRecords} is what one sandbox can resolve
 * (the names of its networks only), {@link dev.cnm.agent.dns.SandboxResolver} serves it inside
 * the sandbox's namespace and forwards the rest to {@link dev.cnm.agent.dns.Upstreams}, and
 * {@link dev.cnm.agent.dns.ResolvConfRender} writes the resolv.conf that points at it;
 * {@link dev.cnm.agent.dns.SandboxResolvers} keeps one per sandbox of the node, level-triggered.
 *
 * <p>Not wired yet (issue 17): nothing in the agent's apply pipeline starts these resolvers, so
 * sandboxes keep the resolv.conf the sandbox-file writer renders from {@code dns_servers}; only
 * this package's tests run them.
 */
package dev.cnm.agent.dns;
