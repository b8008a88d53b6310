package dev.cnm.controller.session;

import dev.cnm.api.v1.DesiredState;
import dev.cnm.runtime.errors.CnmException;

/** Where a node's snapshots go: one agent stream. Calls are serialised by {@link NodeSessions}. */
public interface SnapshotSink {
  /** Sends one snapshot. */
  void send(DesiredState snapshot);

  /** Ends the stream with an error (e.g. a newer session of the same node took over). */
  void close(CnmException reason);
}
