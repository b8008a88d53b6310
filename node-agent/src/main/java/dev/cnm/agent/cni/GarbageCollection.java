package dev.cnm.agent.cni;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.cnm.api.v1.DeleteEndpointRequest;
import dev.cnm.api.v1.DeleteSandboxRequest;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.GetNetworkRequest;
import dev.cnm.api.v1.ListEndpointsRequest;
import dev.cnm.api.v1.ListEndpointsResponse;
import dev.cnm.api.v1.ListSandboxesRequest;
import dev.cnm.api.v1.ListSandboxesResponse;
import dev.cnm.api.v1.NetworkControllerGrpc.NetworkControllerBlockingStub;
import dev.cnm.api.v1.Sandbox;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * CNI 1.1's GC for one network: the runtime lists the attachments it still has
 * ({@code cni.dev/valid-attachments}: {@code {containerID, ifname}}); every attachment to the
 * configured cnm network of a sandbox on this node that the plugin made, and that is not in the
 * list, is deleted (its endpoint, then its sandbox once that holds no endpoint, as DEL does), and
 * so is such a sandbox with no endpoint at all (an ADD cut short before its join) unless its
 * container is in the list (its ADD may be under way). What
 * cnm's own clients made is never touched.
 */
final class GarbageCollection {
  static final String VALID_ATTACHMENTS = "cni.dev/valid-attachments";

  private GarbageCollection() {}

  /** The "containerID/ifname" pairs the runtime keeps, or code 7 naming the key. */
  static Set<String> validAttachments(JsonObject config) {
    JsonElement list = config.get(VALID_ATTACHMENTS);
    Set<String> valid = new HashSet<>();
    if (list == null || list.isJsonNull()) {
      return valid; // no attachment is valid
    }
    if (!list.isJsonArray()) {
      throw new CniError(CniError.INVALID_CONFIG, VALID_ATTACHMENTS + ": must be a list");
    }
    JsonArray array = list.getAsJsonArray();
    for (int i = 0; i < array.size(); i++) {
      String field = VALID_ATTACHMENTS + "[" + i + "]";
      if (!array.get(i).isJsonObject()) {
        throw new CniError(CniError.INVALID_CONFIG, field + ": must be an object");
      }
      JsonObject a = array.get(i).getAsJsonObject();
      valid.add(CniCall.string(a, "containerID", true) + "/" + CniCall.string(a, "ifname", true));
    }
    return valid;
  }

  /** Deletes the attachments of {@code network} on {@code node} that {@code valid} lacks; returns how many. */
  static int run(Supplier<NetworkControllerBlockingStub> api, String node, String network, Set<String> valid) {
    String networkId;
    try {
      networkId = api.get().getNetwork(GetNetworkRequest.newBuilder().setNetwork(network).build()).getId();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        networkId = null; // no network, so no endpoint on it: only empty sandboxes can be stale
      } else {
        throw e;
      }
    }
    Map<String, List<Endpoint>> bySandbox = new HashMap<>();
    if (networkId != null) {
      String token = "";
      do {
        ListEndpointsResponse page = api.get().listEndpoints(ListEndpointsRequest.newBuilder().setNetwork(networkId)
            .setPageToken(token).build());
        for (Endpoint e : page.getEndpointsList()) {
          if (!e.getSandboxId().isEmpty()) {
            bySandbox.computeIfAbsent(e.getSandboxId(), k -> new ArrayList<>()).add(e);
          }
        }
        token = page.getNextPageToken();
      } while (!token.isEmpty());
    }
    List<Sandbox> ours = new ArrayList<>();
    String token = "";
    do {
      ListSandboxesResponse page = api.get().listSandboxes(ListSandboxesRequest.newBuilder().setNode(node)
          .setPageToken(token).build());
      for (Sandbox s : page.getSandboxesList()) {
        if (AttachmentNames.PLUGIN_LABEL_VALUE.equals(s.getLabelsOrDefault(AttachmentNames.PLUGIN_LABEL, ""))) {
          ours.add(s);
        }
      }
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    Set<String> validContainers = new HashSet<>();
    valid.forEach(v -> validContainers.add(v.substring(0, v.lastIndexOf('/'))));
    int deleted = 0;
    for (Sandbox s : ours) {
      int left = s.getEndpointIdsCount();
      for (Endpoint e : bySandbox.getOrDefault(s.getId(), List.of())) {
        boolean named = e.getName().equals(AttachmentNames.endpoint(s.getContainerId(), e.getInterfaceName()));
        if (named && !valid.contains(s.getContainerId() + "/" + e.getInterfaceName())) {
          ignoringNotFound(() -> api.get().deleteEndpoint(DeleteEndpointRequest.newBuilder()
              .setNetwork(e.getNetworkId()).setEndpoint(e.getId()).setForce(true).build()));
          left--;
          deleted++;
        }
      }
      // an empty sandbox of a valid container may be an ADD between its create and its join
      if (left == 0 && !validContainers.contains(s.getContainerId())) {
        ignoringNotFound(() -> api.get().deleteSandbox(DeleteSandboxRequest.newBuilder().setSandbox(s.getId()).build()));
      }
    }
    return deleted;
  }

  private static void ignoringNotFound(Runnable rpc) {
    try {
      rpc.run();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
        throw e;
      }
    }
  }
}
