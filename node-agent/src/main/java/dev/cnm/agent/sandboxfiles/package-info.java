/**
 * A sandbox's {@code hosts} and {@code resolv.conf}, laid out as libnetwork writes them and
 * replaced atomically.
 *
 * <pre>{@code
 * SandboxFiles files = new SandboxFiles(SandboxFiles.detectHostResolvConf(), registry);
 * files.writeHosts(dir.resolve("hosts"),
 *     new HostsFile("test", "docker.io", endpointIps, List.of(ExtraHost.parse("db:10.0.0.9")), ipv6));
 * files.writeResolvConf(dir.resolve("resolv.conf"), new DnsConfig(servers, search, options), ipv6);
 * }</pre>
 */
package dev.cnm.agent.sandboxfiles;
