package dev.cnm.agent.cni;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.cnm.api.v1.CreateEndpointRequest;
import dev.cnm.api.v1.CreateSandboxRequest;
import dev.cnm.api.v1.DeleteEndpointRequest;
import dev.cnm.api.v1.DeleteSandboxRequest;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.ErrorReason;
import dev.cnm.api.v1.GetEndpointRequest;
import dev.cnm.api.v1.GetSandboxRequest;
import dev.cnm.api.v1.JoinRequest;
import dev.cnm.api.v1.NetworkControllerGrpc;
import dev.cnm.api.v1.NetworkControllerGrpc.NetworkControllerBlockingStub;
import dev.cnm.api.v1.Sandbox;
import dev.cnm.agent.netns.NetNamespace;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.runtime.grpc.GrpcErrors;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ADD, DEL, CHECK, VERSION, GC ({@link GarbageCollection}) and STATUS carried out through the
 * controller's public API, for sandboxes on this node. ADD creates the endpoint (on the
 * configuration's network), the sandbox (container id CNI_CONTAINERID, external key CNI_NETNS,
 * this node; reused when the container already has one from an ADD of another interface) and
 * joins them; if any step fails, what it created is deleted before the error is returned. The
 * runtime's port mappings ({@link PortMappings}) are the endpoint's port bindings, published by
 * the Join. DEL deletes the endpoint (leaving first) and, once it holds no endpoint, the sandbox;
 * what is already gone counts as deleted.
 */
public final class CniPlugin {
  private static final Logger LOG = LoggerFactory.getLogger(CniPlugin.class);
  public static final String ADD = "ADD";
  public static final String DEL = "DEL";
  public static final String CHECK = "CHECK";
  public static final String VERSION = "VERSION";
  public static final String GC = "GC";
  public static final String STATUS = "STATUS";
  static final List<String> COMMANDS = List.of(ADD, DEL, CHECK, VERSION, GC, STATUS);
  /** A Join waits at most 30 s for the agent; the other calls are quick. */
  private static final long CALL_SECONDS = 40;

  private final NetworkControllerBlockingStub controller;
  private final String node;

  /** @param node this agent's node: the node of every sandbox ADD creates */
  public CniPlugin(Channel controller, String node) {
    this.controller = NetworkControllerGrpc.newBlockingStub(controller);
    this.node = node;
  }

  /** Carries out {@code call}; returns what the plugin prints (a result, or VERSION's answer) or throws a CniError. */
  public JsonObject run(CniCall call) {
    return switch (call.command()) {
      case ADD -> add(call.require(true, true, true));
      case DEL -> del(call.require(true, false, true));
      case CHECK -> check(call.require(true, true, true));
      case GC -> gc(call);
      case STATUS -> status(call);
      default -> version();
    };
  }

  private static JsonObject version() {
    JsonObject o = new JsonObject();
    o.addProperty("cniVersion", CniVersions.LATEST);
    JsonArray versions = new JsonArray();
    CniVersions.SUPPORTED.forEach(versions::add);
    o.add("supportedVersions", versions);
    return o;
  }

  private NetworkControllerBlockingStub api() {
    return controller.withDeadlineAfter(CALL_SECONDS, TimeUnit.SECONDS);
  }

  private JsonObject add(CniCall call) {
    try (NetNamespace ignored = NamespaceCheck.open(call.netns())) {
      // only checked here: the agent checks the key again when it applies the sandbox
    }
    String endpointName = AttachmentNames.endpoint(call.containerId(), call.ifname());
    Endpoint.Builder endpoint = Endpoint.newBuilder().setName(endpointName)
        .addAllPortBindings(PortMappings.of(call.config()));
    Endpoint created = cnm(() -> api().createEndpoint(CreateEndpointRequest.newBuilder().setNetwork(call.network())
        .setEndpoint(endpoint).build()), call);
    boolean sandboxCreated = false;
    try {
      // the common case first: a container's first attachment creates its sandbox (one call, not a
      // lookup and a create); a container that has one already is told by ALREADY_EXISTS
      try {
        api().createSandbox(CreateSandboxRequest.newBuilder().setSandbox(sandboxOf(call)).build());
        sandboxCreated = true;
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != io.grpc.Status.Code.ALREADY_EXISTS) {
          throw toCni(e, call);
        }
        checkReusable(sandbox(call.containerId()).orElseThrow(() -> toCni(e, call)), call);
      }
      Endpoint joined = cnm(() -> api().join(JoinRequest.newBuilder().setNetwork(created.getNetworkId())
          .setEndpoint(created.getId()).setSandbox(call.containerId()).build()), call).getEndpoint();
      if (!joined.getInterfaceName().equals(call.ifname())) {
        // cnm names a sandbox's interfaces eth0, eth1... in join order; CNI_IFNAME cannot choose yet
        throw new CniError(CniError.INVALID_ENVIRONMENT, "CNI_IFNAME: \"" + call.ifname() + "\" is not the name cnm "
            + "gives this attachment (\"" + joined.getInterfaceName() + "\": a sandbox's interfaces are eth0, eth1, ... "
            + "in the order they are added)");
      }
      return CniResult.of(call.cniVersion(), joined, call.netns(), call.config().get("dns"));
    } catch (RuntimeException e) {
      undoAdd(created, call.containerId(), sandboxCreated, e);
      throw e;
    }
  }

  private Sandbox sandboxOf(CniCall call) {
    Sandbox.Builder sb = Sandbox.newBuilder().setContainerId(call.containerId()).setNode(node)
        .setExternalKey(call.netns()).putLabels(AttachmentNames.PLUGIN_LABEL, AttachmentNames.PLUGIN_LABEL_VALUE);
    // the runtime's arguments (K8S_POD_NAMESPACE, K8S_POD_NAME, ...) become the sandbox's labels
    call.args().forEach(sb::putLabels);
    return sb.build();
  }

  /** A container's second attachment shares its sandbox: it must be on the same namespace. */
  private static void checkReusable(Sandbox sb, CniCall call) {
    if (!AttachmentNames.PLUGIN_LABEL_VALUE.equals(sb.getLabelsOrDefault(AttachmentNames.PLUGIN_LABEL, ""))) {
      throw new CniError(CniError.INVALID_ENVIRONMENT, "CNI_CONTAINERID: \"" + call.containerId() + "\" is the "
          + "container id of a cnm sandbox that the CNI plugin did not create");
    }
    if (!sb.getExternalKey().equals(call.netns())) {
      throw new CniError(CniError.INVALID_ENVIRONMENT, "CNI_NETNS: container \"" + call.containerId() + "\" is attached "
          + "in namespace " + sb.getExternalKey() + ", not " + call.netns());
    }
  }

  private void undoAdd(Endpoint created, String containerId, boolean sandboxCreated, RuntimeException cause) {
    try {
      api().deleteEndpoint(DeleteEndpointRequest.newBuilder().setNetwork(created.getNetworkId())
          .setEndpoint(created.getId()).setForce(true).build());
      if (sandboxCreated) {
        api().deleteSandbox(DeleteSandboxRequest.newBuilder().setSandbox(containerId).build());
      }
    } catch (StatusRuntimeException undo) {
      LOG.warn("CNI ADD of " + containerId + " failed and undoing it failed too: " + undo.getStatus());
      cause.addSuppressed(undo);
    }
  }

  private JsonObject del(CniCall call) {
    String endpointName = AttachmentNames.endpoint(call.containerId(), call.ifname());
    Optional<Sandbox> sb = sandbox(call.containerId());
    Optional<Endpoint> ep = endpoint(call, endpointName);
    boolean ours = sb.isPresent()
        && AttachmentNames.PLUGIN_LABEL_VALUE.equals(sb.get().getLabelsOrDefault(AttachmentNames.PLUGIN_LABEL, ""));
    // the container's last attachment (the common case): deleting the sandbox leaves the endpoint
    // in the same Txn and the agent applies both at once, one wait for it instead of two
    boolean last = ours && (sb.get().getEndpointIdsCount() == 0 || (sb.get().getEndpointIdsCount() == 1
        && ep.isPresent() && sb.get().getEndpointIds(0).equals(ep.get().getId())));
    if (last) {
      ignoringNotFound(() -> api().deleteSandbox(DeleteSandboxRequest.newBuilder().setSandbox(sb.get().getId()).build()),
          call);
    }
    ep.ifPresent(e -> ignoringNotFound(() -> api().deleteEndpoint(DeleteEndpointRequest.newBuilder()
        .setNetwork(e.getNetworkId()).setEndpoint(e.getId()).setForce(true).build()), call));
    if (ours && !last) {
      // another attachment was deleted meanwhile, or the sandbox holds this one and others: the
      // sandbox goes once it is empty
      Optional<Sandbox> now = sandbox(call.containerId());
      if (now.isPresent() && now.get().getId().equals(sb.get().getId()) && now.get().getEndpointIdsCount() == 0) {
        ignoringNotFound(() -> api().deleteSandbox(DeleteSandboxRequest.newBuilder().setSandbox(now.get().getId())
            .build()), call);
      }
    }
    return null;
  }

  private Optional<Endpoint> endpoint(CniCall call, String name) {
    try {
      return Optional.of(api().getEndpoint(GetEndpointRequest.newBuilder().setNetwork(call.network())
          .setEndpoint(name).build()));
    } catch (StatusRuntimeException e) {
      if (notFound(e)) {
        return Optional.empty(); // no such endpoint, or no such network
      }
      throw toCni(e, call);
    }
  }

  private static void ignoringNotFound(Runnable rpc, CniCall call) {
    try {
      rpc.run();
    } catch (StatusRuntimeException e) {
      if (!notFound(e)) {
        throw toCni(e, call);
      }
    }
  }

  private JsonObject gc(CniCall call) {
    java.util.Set<String> valid = GarbageCollection.validAttachments(call.config());
    try {
      int deleted = GarbageCollection.run(this::api, node, call.network(), valid);
      if (deleted > 0) {
        LOG.info("CNI GC of network " + call.network() + ": deleted " + deleted + " attachments the runtime no longer has");
      }
    } catch (StatusRuntimeException e) {
      throw toCni(e, call);
    }
    return null;
  }

  /** Ready when the controller answers and knows the configured network; else code 50. */
  private JsonObject status(CniCall call) {
    try {
      controller.withDeadlineAfter(5, TimeUnit.SECONDS)
          .getNetwork(dev.cnm.api.v1.GetNetworkRequest.newBuilder().setNetwork(call.network()).build());
    } catch (StatusRuntimeException e) {
      CniError cause = toCni(e, call);
      throw new CniError(CniError.NOT_AVAILABLE, cause.getMessage(), cause.details());
    }
    return null;
  }

  private JsonObject check(CniCall call) {
    Optional<Sandbox> sb = sandbox(call.containerId());
    if (sb.isEmpty()) {
      throw new CniError(CniError.UNKNOWN_CONTAINER, "CNI_CONTAINERID: cnm has no sandbox for container \""
          + call.containerId() + "\"");
    }
    if (!sb.get().getExternalKey().equals(call.netns())) {
      throw new CniError(CniError.CHECK_FAILED, "CNI_NETNS: container \"" + call.containerId() + "\" is attached in "
          + sb.get().getExternalKey() + ", not " + call.netns());
    }
    String endpointName = AttachmentNames.endpoint(call.containerId(), call.ifname());
    Endpoint ep;
    try {
      ep = api().getEndpoint(GetEndpointRequest.newBuilder().setNetwork(call.network()).setEndpoint(endpointName)
          .build());
    } catch (StatusRuntimeException e) {
      throw notFound(e) ? new CniError(CniError.CHECK_FAILED, "CNI_IFNAME: container \"" + call.containerId()
          + "\" has no interface " + call.ifname() + " on cnm network \"" + call.network() + "\"") : toCni(e, call);
    }
    if (!ep.getSandboxId().equals(sb.get().getId())) {
      throw new CniError(CniError.CHECK_FAILED, "CHECK: endpoint \"" + endpointName + "\" is not joined to the "
          + "container's sandbox");
    }
    NamespaceCheck.verify(call.netns(), call.ifname(), ep);
    return null;
  }

  private Optional<Sandbox> sandbox(String containerId) {
    try {
      return Optional.of(api().getSandbox(GetSandboxRequest.newBuilder().setSandbox(containerId).build()));
    } catch (StatusRuntimeException e) {
      if (notFound(e)) {
        return Optional.empty();
      }
      throw toCni(e, null);
    }
  }

  private static boolean notFound(StatusRuntimeException e) {
    return e.getStatus().getCode() == io.grpc.Status.Code.NOT_FOUND;
  }

  private static <T> T cnm(java.util.function.Supplier<T> rpc, CniCall call) {
    try {
      return rpc.get();
    } catch (StatusRuntimeException e) {
      throw toCni(e, call);
    }
  }

  /**
   * The controller's error as a CNI error: an unknown network is the configuration's fault (7), a
   * namespace the agent refused is CNI_NETNS's (4), an unreachable or busy controller is "try again
   * later" (11); anything else is cnm's own code 100 with the controller's message and its reason.
   */
  static CniError toCni(StatusRuntimeException e, CniCall call) {
    CnmException c = GrpcErrors.fromStatus(e);
    String field = c.metadata().getOrDefault("field", "");
    String details = c.kind() + " " + c.reason();
    if (c.kind() == ErrorKind.UNAVAILABLE || c.kind() == ErrorKind.DEADLINE_EXCEEDED || c.kind() == ErrorKind.ABORTED) {
      return new CniError(CniError.TRY_AGAIN_LATER, "cnm controller: " + c.getMessage(), details);
    }
    if (c.errorReason() == ErrorReason.NETWORK_NOT_FOUND) {
      return new CniError(CniError.INVALID_CONFIG, "network: no cnm network \"" + (call == null ? "" : call.network())
          + "\"", c.getMessage());
    }
    if (c.kind() == ErrorKind.INVALID_ARGUMENT && field.equals("sandbox.external_key")) {
      return new CniError(CniError.INVALID_ENVIRONMENT, "CNI_NETNS: " + c.getMessage(), details);
    }
    return new CniError(CniError.CNM_FAILURE, "cnm: " + c.getMessage(), details);
  }
}
