package dev.cnm.controller.session;

import dev.cnm.api.v1.DesiredState;
import dev.cnm.api.v1.SnapshotAck;
import dev.cnm.runtime.errors.CnmException;

/**
 * A consistent copy of what {@link NodeSessions} holds for one node, for diagnostics
 * ({@code cnm node inspect}). Nullable fields are null when nothing happened yet.
 *
 * @param latest the latest snapshot built for the node, or null
 * @param connected whether an agent session is open
 * @param ackedVersion the last version the agent applied completely
 * @param rejectedVersion the last version the agent rejected, 0 if none
 * @param rejection why it rejected {@code rejectedVersion}, or null
 * @param lastReply the agent's latest reply that matched the nonce sent, or null
 */
public record NodeSessionView(DesiredState latest, boolean connected, long ackedVersion, long rejectedVersion,
    CnmException rejection, SnapshotAck lastReply) {
}
