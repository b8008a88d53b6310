package dev.cnm.runtime.security;

import dev.cnm.api.v1.ErrorReason;
import dev.cnm.runtime.errors.CnmException;
import dev.cnm.runtime.errors.ErrorKind;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.Map;
import java.util.Set;

/**
 * What a caller may do on a TCP listener without mutual TLS (plaintext, or TLS without a client
 * CA): nothing proves who it is, and on a host any local user can reach a loopback port. Such a
 * caller gets gRPC health, reflection and the methods the server names read-only; every other
 * call ends with UNAUTHENTICATED, reason {@code TCP_CALLER_NOT_TRUSTED}, before its handler runs.
 * {@code CnmServer} installs it on such listeners unless the server runs with {@code --insecure-tcp}.
 */
public final class UntrustedTcpPolicy implements ServerInterceptor {
  private final Set<String> readOnlyMethods;

  /** {@code readOnlyMethods}: full gRPC method names ({@code cnm.v1.NetworkController/ListNetworks}) served anyway. */
  public UntrustedTcpPolicy(Set<String> readOnlyMethods) {
    this.readOnlyMethods = Set.copyOf(readOnlyMethods);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    String service = call.getMethodDescriptor().getServiceName();
    if (service == null || service.startsWith("grpc.health.") || service.startsWith("grpc.reflection.")
        || readOnlyMethods.contains(method)) {
      return next.startCall(call, headers);
    }
    return CallRefusal.refuse(call, new CnmException(ErrorKind.UNAUTHENTICATED, ErrorReason.TCP_CALLER_NOT_TRUSTED,
        method + " is refused on a TCP listener without mutual TLS, which serves only health, reflection and "
            + "read-only calls: call over the Unix socket, present a client certificate to a server run with "
            + "--tls-ca, or run the server with --insecure-tcp to trust every TCP caller",
        Map.of("method", method), null));
  }
}
