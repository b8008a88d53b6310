/**
 * Network namespaces: {@link dev.cnm.agent.netns.Namespaces} creates, opens and deletes named
 * ones under the agent's state dir (as {@code ip netns} does) and runs Java code inside one on a
 * fresh platform thread ({@link dev.cnm.agent.netns.Namespaces#runIn}); {@link dev.cnm.agent.netns.Sysctl}
 * writes the per-namespace sysctls.
 */
package dev.cnm.agent.netns;
