package dev.cnm.controller;

import dev.cnm.api.v1.NetworkControllerGrpc;
import dev.cnm.controller.domain.ports.PortAllocator;
import dev.cnm.controller.driver.DriverRegistry;
import dev.cnm.controller.ipam.GrpcAddressAllocator;
import dev.cnm.ipam.domain.IpamConfig;
import dev.cnm.ipam.grpc.IpamGrpcService;
import dev.cnm.ipam.service.IpamMetrics;
import dev.cnm.ipam.service.IpamService;
import dev.cnm.ipam.store.StoreKv;
import dev.cnm.runtime.grpc.GrpcErrors;
import dev.cnm.store.InProcessStore;
import dev.cnm.store.client.StoreClient;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** A real store, a real IPAM service and the controller, each over in-process gRPC. */
final class ControllerFixture implements AutoCloseable {
  final InProcessStore store;
  final StoreClient storeClient;
  final Server ipamServer;
  final ManagedChannel ipamChannel;
  final ControllerCore core;
  final Server controllerServer;
  final ManagedChannel channel;
  final ExecutorService ipamExecutor = Executors.newFixedThreadPool(2);
  final NetworkControllerGrpc.NetworkControllerBlockingStub api;

  ControllerFixture(Path dir) throws IOException {
    this(dir, new PortAllocator(PortAllocator.DEFAULT_LOW, PortAllocator.DEFAULT_HIGH));
  }

  ControllerFixture(Path dir, PortAllocator ports) throws IOException {
    this(dir, ports, IpamConfig.defaults());
  }

  ControllerFixture(Path dir, IpamConfig ipamConfig) throws IOException {
    this(dir, new PortAllocator(PortAllocator.DEFAULT_LOW, PortAllocator.DEFAULT_HIGH), ipamConfig);
  }

  ControllerFixture(Path dir, PortAllocator ports, IpamConfig ipamConfig) throws IOException {
    store = InProcessStore.inProcess(dir);
    storeClient = new StoreClient(store.channel());
    String ipamName = "cnmt-ipam-" + UUID.randomUUID();
    ipamServer = InProcessServerBuilder.forName(ipamName).directExecutor()
        .addService(new IpamGrpcService(new IpamService(new StoreKv(storeClient), ipamConfig,
            ipamExecutor, IpamMetrics.none())))
        .intercept(GrpcErrors.serverInterceptor()).build().start();
    ipamChannel = InProcessChannelBuilder.forName(ipamName).build();
    core = new ControllerCore(storeClient, new GrpcAddressAllocator(ipamChannel, Duration.ofSeconds(10)),
        DriverRegistry.builtIn(), ports, Duration.ofSeconds(5));
    String name = "cnmt-controller-" + UUID.randomUUID();
    InProcessServerBuilder sb = InProcessServerBuilder.forName(name);
    core.services().forEach(sb::addService);
    sb.intercept(GrpcErrors.serverInterceptor()); // as CnmServer serves them: errors mapped once
    controllerServer = sb.build().start();
    channel = InProcessChannelBuilder.forName(name).build();
    api = NetworkControllerGrpc.newBlockingStub(channel);
  }

  TestAgent agent(String node) throws InterruptedException {
    return new TestAgent(channel, node).awaitRegistered();
  }

  @Override
  public void close() {
    channel.shutdownNow();
    controllerServer.shutdownNow();
    core.close();
    ipamChannel.shutdownNow();
    ipamServer.shutdownNow();
    ipamExecutor.shutdownNow();
    store.close();
  }
}
