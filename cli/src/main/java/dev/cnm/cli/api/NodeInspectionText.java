package dev.cnm.cli.api;

import dev.cnm.api.v1.DesiredState;
import dev.cnm.api.v1.NodeEndpoint;
import dev.cnm.api.v1.NodeInspection;
import dev.cnm.api.v1.NodeNetwork;
import dev.cnm.api.v1.NodeSandbox;
import dev.cnm.api.v1.ObjectStatus;
import dev.cnm.api.v1.SnapshotAck;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code cnm node inspect} for people: the node's summary, then each desired object with what
 * the agent's latest reply said about it, so drift and errors stand out.
 */
final class NodeInspectionText {
  private NodeInspectionText() {
  }

  static void print(PrintWriter out, NodeInspection in) {
    DesiredState desired = in.getDesired().getSnapshot();
    SnapshotAck reply = in.getActual().hasLastReply() ? in.getActual().getLastReply() : null;
    out.println("Node:              " + in.getNode().getName());
    out.println("Status:            " + in.getNode().getStatus().name().replace("NODE_STATUS_", "")
        + (in.getConnected() ? " (session open)" : " (no session)"));
    out.println("Advertise address: " + dash(in.getNode().getAdvertiseAddress()));
    out.println("Desired version:   " + desired.getVersion()
        + (in.getDesired().getSentVersion() > 0 ? " (sent)" : desired.getVersion() == 0 ? " (not built yet)" : " (not sent)"));
    out.println("Acked version:     " + in.getActual().getAckedVersion()
        + (in.getActual().getAckedVersion() == desired.getVersion() ? " (in sync)" : " (behind)"));
    if (in.getActual().getRejectedVersion() > 0) {
      out.println("Rejected version:  " + in.getActual().getRejectedVersion() + ": "
          + in.getActual().getRejection().getMessage());
    }
    if (reply != null) {
      out.println("Last reply:        version " + reply.getVersion() + ", "
          + (reply.hasError() && reply.getError().getCode() != 0 ? "rejected: " + reply.getError().getMessage() : "applied")
          + ", last good version " + reply.getLastGoodVersion());
    } else {
      out.println("Last reply:        -");
    }
    Map<String, ObjectStatus> statuses = new HashMap<>();
    if (reply != null) {
      reply.getObjectsList().forEach(s -> statuses.put(s.getId(), s));
    }
    out.println();
    out.println("Networks:");
    Output.TABLE.list(out, desired.getNetworksList(),
        new Output.Column<>("ID", n -> shortId(n.getId())),
        new Output.Column<>("NAME", NodeNetwork::getName),
        new Output.Column<>("DRIVER", NodeNetwork::getDriver),
        new Output.Column<>("SUBNET", NodeNetwork::getSubnetIpv4),
        new Output.Column<>("AGENT", n -> status(statuses, n.getId())));
    out.println();
    out.println("Sandboxes:");
    Output.TABLE.list(out, desired.getSandboxesList(),
        new Output.Column<>("ID", s -> shortId(s.getId())),
        new Output.Column<>("CONTAINER", NodeSandbox::getContainerId),
        new Output.Column<>("KEY", s -> statuses.containsKey(s.getId()) ? statuses.get(s.getId()).getKey()
            : s.getExternalKey()),
        new Output.Column<>("AGENT", s -> status(statuses, s.getId())));
    out.println();
    out.println("Endpoints:");
    Output.TABLE.list(out, desired.getEndpointsList(),
        new Output.Column<>("ID", e -> shortId(e.getId())),
        new Output.Column<>("NAME", NodeEndpoint::getName),
        new Output.Column<>("SANDBOX", e -> shortId(e.getSandboxId())),
        new Output.Column<>("INTERFACE", NodeEndpoint::getInterfaceName),
        new Output.Column<>("IPV4", NodeEndpoint::getIpv4Address),
        new Output.Column<>("AGENT", e -> status(statuses, e.getId())));
    out.flush();
  }

  /** What the latest reply says about one object: ok, its error, or "-" when it did not mention it. */
  private static String status(Map<String, ObjectStatus> statuses, String id) {
    ObjectStatus s = statuses.get(id);
    if (s == null) {
      return "-";
    }
    return s.hasError() && s.getError().getCode() != 0 ? "error: " + s.getError().getMessage() : "ok";
  }

  private static String shortId(String id) {
    return id.length() > 12 ? id.substring(0, 12) : id;
  }

  private static String dash(String s) {
    return s == null || s.isEmpty() ? "-" : s;
  }
}
