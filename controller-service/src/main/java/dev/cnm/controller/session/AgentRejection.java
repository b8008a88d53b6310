package dev.cnm.controller.session;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import dev.cnm.api.v1.ObjectStatus;
import dev.cnm.api.v1.SnapshotAck;
import java.util.HashMap;
import java.util.Map;

/** What an agent's NACK says, as the metadata of the AGENT_REJECTED error the waiting operation gets. */
final class AgentRejection {
  private AgentRejection() {}

  /**
   * The node and, when an object failed, the first failed object's id, reason (from the
   * ErrorInfo the agent attached) and message, so that the operation that waited for it can
   * tell a refusal of its own object (e.g. an external key that is not a network namespace).
   */
  static Map<String, String> metadata(String node, SnapshotAck ack) {
    Map<String, String> md = new HashMap<>();
    md.put("node", node);
    for (ObjectStatus o : ack.getObjectsList()) {
      if (o.hasError() && o.getError().getCode() != 0) {
        md.put("object_id", o.getId());
        md.put("object_message", o.getError().getMessage());
        for (Any any : o.getError().getDetailsList()) {
          if (any.is(ErrorInfo.class)) {
            try {
              md.put("object_reason", any.unpack(ErrorInfo.class).getReason());
            } catch (InvalidProtocolBufferException e) {
              // a malformed detail: the reason stays unknown
            }
          }
        }
        break;
      }
    }
    return Map.copyOf(md);
  }
}
