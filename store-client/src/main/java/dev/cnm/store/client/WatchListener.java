package dev.cnm.store.client;

import dev.cnm.runtime.errors.CnmException;
import java.util.List;

/** Receives a watch's changes, one call per revision, in revision order, on one thread at a time. */
public interface WatchListener {
  /** The changes of one revision. */
  void onEvents(long revision, List<WatchEvent> events);

  /**
   * The watch ended and will not resume: its start revision was compacted (OUT_OF_RANGE, metadata
   * {@code compact_revision}) or the request was rejected. Not called after {@code close()}.
   */
  default void onError(CnmException error) {}
}
