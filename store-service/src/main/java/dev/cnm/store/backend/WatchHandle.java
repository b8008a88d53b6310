package dev.cnm.store.backend;

/** A running watch; closing it stops delivery. */
public interface WatchHandle extends AutoCloseable {
  @Override
  void close();
}
