package dev.cnm.controller;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cnm.api.v1.CreateEndpointRequest;
import dev.cnm.api.v1.CreateNetworkRequest;
import dev.cnm.api.v1.CreateSandboxRequest;
import dev.cnm.api.v1.Endpoint;
import dev.cnm.api.v1.IpamConfig;
import dev.cnm.api.v1.IpamPool;
import dev.cnm.api.v1.Network;
import dev.cnm.api.v1.Sandbox;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.assertj.core.api.ThrowableAssert;

/** Request builders and status assertions shared by the API tests. */
final class Api {
  private Api() {}

  static CreateNetworkRequest bridge(String name, String subnet) {
    Network.Builder n = Network.newBuilder().setName(name).setDriver("bridge")
        .putOptions("com.docker.network.bridge.name", "cnmt" + Math.abs(name.hashCode() % 100000));
    if (subnet != null) {
      n.setIpam(IpamConfig.newBuilder().addIpv4(IpamPool.newBuilder().setSubnet(subnet)));
    }
    return CreateNetworkRequest.newBuilder().setNetwork(n).build();
  }

  static CreateEndpointRequest endpoint(String network, Endpoint.Builder ep) {
    return CreateEndpointRequest.newBuilder().setNetwork(network).setEndpoint(ep).build();
  }

  static CreateSandboxRequest sandbox(String container, String node) {
    return CreateSandboxRequest.newBuilder().setSandbox(Sandbox.newBuilder().setContainerId(container)
        .setNode(node).setHostname("test").setDomainName("docker.io")).build();
  }

  /** Asserts the call fails with {@code code} and a message naming {@code field}. */
  static void assertFails(Status.Code code, String field, ThrowableAssert.ThrowingCallable call) {
    assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      org.assertj.core.api.Assertions.assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(code);
      if (field != null) {
        org.assertj.core.api.Assertions.assertThat(e.getStatus().getDescription()).contains(field);
      }
    });
  }

  /** Runs task(0..n-1) on {@code threads} threads at once; their results in order (a failure fails the caller). */
  static <T> java.util.List<T> concurrently(int threads, int n, java.util.function.IntFunction<T> task)
      throws Exception {
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
    try {
      java.util.List<java.util.concurrent.Future<T>> futures = new java.util.ArrayList<>();
      for (int i = 0; i < n; i++) {
        int k = i;
        futures.add(pool.submit(() -> task.apply(k)));
      }
      java.util.List<T> out = new java.util.ArrayList<>();
      for (java.util.concurrent.Future<T> f : futures) {
        out.add(f.get(30, java.util.concurrent.TimeUnit.SECONDS));
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }
}
