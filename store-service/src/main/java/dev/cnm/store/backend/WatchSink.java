package dev.cnm.store.backend;

import dev.cnm.api.v1.WatchResponse;
import dev.cnm.runtime.errors.CnmException;

/** Where a backend delivers one watch's responses. Called by one thread at a time. */
public interface WatchSink {
  void onResponse(WatchResponse response);

  /** The watch ended (compacted start revision: OUT_OF_RANGE with metadata compact_revision). */
  void onError(CnmException error);
}
