package dev.cnm.store.client;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import dev.cnm.api.v1.Event;
import dev.cnm.api.v1.KeyValue;
import dev.cnm.runtime.errors.CnmException;
import java.util.Optional;

/**
 * One change seen by a watch.
 *
 * @param deleted true for a delete (or lease expiry), false for a put
 * @param key the key (UTF-8)
 * @param revision the revision of the change
 * @param kv the pair after the change (for a delete: key and mod revision only)
 * @param prevKv the pair before the change, when the watch asked for it and it existed
 */
public record WatchEvent(boolean deleted, String key, long revision, KeyValue kv, Optional<KeyValue> prevKv) {

  static WatchEvent of(Event e) {
    return new WatchEvent(e.getType() == Event.EventType.DELETE, Keys.string(e.getKv().getKey()),
        e.getKv().getModRevision(), e.getKv(), e.hasPrevKv() ? Optional.of(e.getPrevKv()) : Optional.empty());
  }

  /** Decodes the value after a put. */
  public <T extends Message> T value(Parser<T> parser) {
    try {
      return parser.parseFrom(kv.getValue());
    } catch (InvalidProtocolBufferException ex) {
      throw CnmException.invalidArgument("value", "key " + key + " holds no valid " + ex.getMessage());
    }
  }
}
