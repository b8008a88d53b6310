/**
 * The agent's end of the NodeAgent stream ({@link dev.cnm.agent.session.AgentSession}): dial,
 * register, hand each snapshot to a {@link dev.cnm.agent.session.SnapshotApplier}, ack or nack
 * it, reconnect with backoff. Knows nothing of drivers or the kernel.
 */
package dev.cnm.agent.session;
