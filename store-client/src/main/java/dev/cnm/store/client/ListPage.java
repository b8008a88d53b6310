package dev.cnm.store.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import java.util.List;
import java.util.Optional;

/**
 * One page of a prefix listing. Every page of one listing is read at the revision of the first
 * page, so the pages together are a consistent snapshot (as Kubernetes' continue tokens).
 *
 * @param items the objects of this page, in key order
 * @param revision the store revision the listing is read at
 * @param next where the next page starts, empty on the last page
 */
public record ListPage<T extends Message>(List<KvObject<T>> items, long revision, Optional<Continuation> next) {

  /** Where a listing continues: the first key of the next page and the revision read at. */
  public record Continuation(ByteString fromKey, long revision) {}
}
