package dev.cnm.runtime.security;

import dev.cnm.api.v1.ErrorReason;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import dev.cnm.runtime.grpc.PeerIdentity;
import dev.cnm.runtime.security.CallerIdentity.Role;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which certificate roles (from {@code cnm certs issue}: node, service, admin) may call which
 * gRPC service of a server that serves mutual TLS. The handshake has already refused clients
 * without a certificate of the cluster's CA; this decides among the CA's certificates:
 * <ul>
 *   <li>gRPC health and reflection: any verified certificate (probes, grpcurl).</li>
 *   <li>a service given to {@link #allowing(String, Role...)}: those roles.</li>
 *   <li>every other service: the roles given to {@link #allowing(Role...)}.</li>
 *   <li>a certificate without a cnm role: PERMISSION_DENIED {@code NO_CNM_IDENTITY}; a role
 *       not allowed: PERMISSION_DENIED {@code ROLE_NOT_ALLOWED} naming the caller.</li>
 * </ul>
 * Calls that did not arrive over TLS (a 0600 Unix socket, in-process channels) are trusted: the
 * file mode or the process boundary authenticated them. Install it with
 * {@code CnmServer.Builder#authorization}, which applies it only when a client CA is configured.
 */
public final class RoleAuthorization implements ServerInterceptor {
  private final Set<Role> defaultRoles;
  private final Map<String, Set<Role>> perService = new HashMap<>();

  private RoleAuthorization(Set<Role> defaultRoles) {
    this.defaultRoles = defaultRoles;
  }

  /** Every application service of the server accepts these roles (until overridden per service). */
  public static RoleAuthorization allowing(Role... roles) {
    return new RoleAuthorization(roles(roles));
  }

  /** The gRPC service {@code grpcService} (e.g. {@code cnm.v1.NodeAgent}) accepts only these roles. */
  public RoleAuthorization allowing(String grpcService, Role... roles) {
    perService.put(grpcService, roles(roles));
    return this;
  }

  /** The roles that may call {@code grpcService}. */
  public Set<Role> allowedFor(String grpcService) {
    return perService.getOrDefault(grpcService, defaultRoles);
  }

  private static Set<Role> roles(Role... roles) {
    return roles.length == 0 ? EnumSet.noneOf(Role.class) : EnumSet.of(roles[0], roles);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    if (call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION) == null) {
      return next.startCall(call, headers);
    }
    Optional<PeerIdentity> peer = PeerIdentity.fromCall(call);
    if (peer.isEmpty()) {
      return CallRefusal.refuse(call, new CnmException(ErrorKind.UNAUTHENTICATED, ErrorReason.CLIENT_CERTIFICATE_REQUIRED,
          "a client certificate signed by the cluster's CA is required"));
    }
    String service = call.getMethodDescriptor().getServiceName();
    if (service == null || service.startsWith("grpc.health.") || service.startsWith("grpc.reflection.")) {
      return next.startCall(call, headers);
    }
    Optional<CallerIdentity> caller = CallerIdentity.of(peer.get());
    if (caller.isEmpty()) {
      return CallRefusal.refuse(call, new CnmException(ErrorKind.PERMISSION_DENIED, ErrorReason.NO_CNM_IDENTITY,
          "the client certificate (" + peer.get().subject() + ") carries no cnm role; issue one with 'cnm certs issue'",
          Map.of("subject", peer.get().subject()), null));
    }
    CallerIdentity who = caller.get();
    Set<Role> allowed = allowedFor(service);
    if (!allowed.contains(who.role())) {
      String roles = allowed.isEmpty() ? "no certificate"
          : allowed.stream().map(Role::label).collect(Collectors.joining(" or ")) + " certificates";
      return CallRefusal.refuse(call, new CnmException(ErrorKind.PERMISSION_DENIED, ErrorReason.ROLE_NOT_ALLOWED,
          service + " accepts " + roles + "; the client is " + who,
          Map.of("role", who.role().label(), "name", who.name(), "service", service), null));
    }
    return next.startCall(call, headers);
  }
}
