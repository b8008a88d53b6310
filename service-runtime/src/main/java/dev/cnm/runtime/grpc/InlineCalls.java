package dev.cnm.runtime.grpc;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerBuilder;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * Runs the handlers of named methods on the transport's event loop and every other call on a
 * thread pool. gRPC's default hands each call from the event loop to a pool thread; for a
 * handler that only queues work and answers later, that hand-off (waking a parked thread) is
 * most of the call's CPU. A method named here must never block: no store round trip, no lock
 * held across I/O. Calls whose method is not named run exactly as without this.
 */
final class InlineCalls implements AutoCloseable {
  private final Set<String> inline;
  private final String poolName;
  private ExecutorService pool; // made on first use by a network listener

  InlineCalls(String serviceName, Set<MethodDescriptor<?, ?>> methods) {
    this.inline = methods.stream().map(MethodDescriptor::getFullMethodName).collect(Collectors.toUnmodifiableSet());
    this.poolName = serviceName + "-grpc-";
  }

  /**
   * Makes the builder's default executor direct, so gRPC's method lookup runs on the event loop,
   * and switches every call of a method not named here to the pool right after that lookup.
   * ({@code callExecutor} is marked experimental in grpc-java 1.85; CnmServerTest pins its effect.)
   */
  synchronized void applyTo(ServerBuilder<?> builder) {
    if (inline.isEmpty()) {
      return;
    }
    if (pool == null) {
      AtomicInteger n = new AtomicInteger();
      pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, poolName + n.incrementAndGet());
        t.setDaemon(true);
        return t;
      });
    }
    ExecutorService blocking = pool;
    builder.directExecutor().callExecutor(new ServerCallExecutorSupplier() {
      @Override
      public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata metadata) {
        return inline.contains(call.getMethodDescriptor().getFullMethodName()) ? null : blocking;
      }
    });
  }

  /** Stops the pool's idle threads; call after the servers terminated. */
  @Override
  public synchronized void close() {
    if (pool != null) {
      pool.shutdownNow();
    }
  }
}
