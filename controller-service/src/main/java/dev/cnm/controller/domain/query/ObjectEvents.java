package dev.cnm.controller.domain.query;

import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.KeyValue;
import dev.cnm.api.v1.Network;
import dev.cnm.api.v1.Node;
import dev.cnm.api.v1.ObjectEvent;
import dev.cnm.api.v1.ObjectKind;
import dev.cnm.api.v1.Sandbox;
import dev.cnm.controller.domain.repository.StoreKeys;
import dev.cnm.store.client.WatchEvent;
import java.util.Optional;

/** Turns store changes under /cnm/v1/ into the API's object events (other keys are skipped). */
final class ObjectEvents {
  private ObjectEvents() {}

  static Optional<ObjectEvent> of(WatchEvent e) {
    ObjectKind kind;
    if (e.key().startsWith(StoreKeys.NETWORKS)) {
      kind = ObjectKind.OBJECT_KIND_NETWORK;
    } else if (e.key().startsWith(StoreKeys.ENDPOINTS)) {
      kind = ObjectKind.OBJECT_KIND_ENDPOINT;
    } else if (e.key().startsWith(StoreKeys.SANDBOXES)) {
      kind = ObjectKind.OBJECT_KIND_SANDBOX;
    } else if (e.key().startsWith(StoreKeys.NODES)) {
      kind = ObjectKind.OBJECT_KIND_NODE;
    } else {
      return Optional.empty();
    }
    ObjectEvent.Builder b = ObjectEvent.newBuilder().setKind(kind).setRevision(e.revision())
        .setId(e.key().substring(e.key().lastIndexOf('/') + 1));
    KeyValue kv;
    if (e.deleted()) {
      b.setType(ObjectEvent.EventType.EVENT_TYPE_DELETED);
      kv = e.prevKv().orElse(null);
    } else {
      b.setType(e.kv().getVersion() == 1 ? ObjectEvent.EventType.EVENT_TYPE_CREATED
          : ObjectEvent.EventType.EVENT_TYPE_UPDATED);
      kv = e.kv();
    }
    if (kv != null && !kv.getValue().isEmpty()) {
      try {
        switch (kind) {
          case OBJECT_KIND_NETWORK -> b.setNetwork(Network.parseFrom(kv.getValue()).toBuilder()
              .setRevision(kv.getModRevision()));
          case OBJECT_KIND_ENDPOINT -> b.setEndpoint(Endpoint.parseFrom(kv.getValue()).toBuilder()
              .setRevision(kv.getModRevision()));
          case OBJECT_KIND_SANDBOX -> b.setSandbox(Sandbox.parseFrom(kv.getValue()).toBuilder()
              .setRevision(kv.getModRevision()));
          default -> b.setNode(Node.parseFrom(kv.getValue()));
        }
      } catch (com.google.protobuf.InvalidProtocolBufferException ex) {
        return Optional.empty();
      }
    }
    return Optional.of(b.build());
  }
}
