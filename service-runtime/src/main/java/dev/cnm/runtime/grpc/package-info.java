/**
 * The gRPC edge every cnm service shares.
 *
 * <p>A server: {@code CnmServer.builder("cnm-ipam", options).addService(new IpamGrpcService(...))
 * .telemetry(telemetry).start()} serves the service with health, reflection, per-RPC metrics and
 * tracing, maps thrown {@link dev.cnm.runtime.errors.CnmException}s through {@link GrpcErrors},
 * and makes the caller's certificate available as {@link PeerIdentity#current()}. Close it to
 * shut down gracefully.
 *
 * <p>A client: {@code Channels.forTarget("127.0.0.1:7370", ClientOptions.of(tls, telemetry))}
 * (also {@code unix:/path} and {@code inprocess:NAME}); on the client side
 * {@link GrpcErrors#fromStatus} turns a received status back into a CnmException.
 *
 * <p>Work handed to another thread keeps its trace only when wrapped:
 * {@code io.opentelemetry.context.Context.current().wrap(runnable)}.
 */
package dev.cnm.runtime.grpc;
